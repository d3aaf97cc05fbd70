"""Process isolation for datarun job children.

Everything here runs either in the zygote (probe, environment scrubbing, uid
allocation, process sweeping) or in a freshly forked child before any job code
runs.  Standard library only (ctypes for unshare/mount/prctl/sethostname).

Process layout of one sandboxed job (root, all namespaces available):

    zygote --unshare(NEWPID), fork, setns back--> J  PID 1 of a new PID
           namespace: setsid, PDEATHSIG (parent checked through the host
           /proc), unshare(net, mnt, ipc, uts), chdir workspace, private
           mounts (tmpfs on /tmp, /var/tmp, /dev/shm, /run/lock, fresh
           /proc), empty bounding set, setgroups([]) + setgid/setuid(job
           uid), scrubbed environment, rlimits, then the job.

Otherwise (user namespaces when not root, no PID namespace) an
intermediate process P sits in between:

    zygote --fork--> P  "intermediate": setsid, PDEATHSIG, unshare(net, mnt,
                     |   ipc, uts, pid [, user]), then waits for J and exits
                     |   with J's status (128+signal if J was killed)
                     +--fork--> J  as above, minus what P did.

SIGKILL to the job's process group (J's or P's) and to J kills it; J being
PID 1 of its namespace, the kernel then kills every process of the
namespace (also those that called setsid).  If the zygote dies, J (or P,
then J) gets SIGKILL (PDEATHSIG), then the namespace.
"""

import ctypes
import ctypes.util
import os
import resource
import signal
import sys
import time

_now = time.monotonic

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4

# Environment variables the zygote itself keeps (everything else, e.g.
# DATABASE_URL or passwords, is removed and its memory overwritten at start).
ZYGOTE_ENV_KEEP = (
    'PATH', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ',
    'OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'NUMEXPR_NUM_THREADS',
    'MKL_NUM_THREADS', 'MALLOC_ARENA_MAX',
    'PYTHONPATH', 'PYTHONHASHSEED', 'PYTHONDONTWRITEBYTECODE',
    'DATARUN_UID_BASE', 'DATARUN_SANDBOX_DISABLE',
)

THREAD_ENV = {
    'OMP_NUM_THREADS': '1',
    'OPENBLAS_NUM_THREADS': '1',
    'NUMEXPR_NUM_THREADS': '1',
    'MKL_NUM_THREADS': '1',
}

_libc = ctypes.CDLL(ctypes.util.find_library('c') or None, use_errno=True)
_libc.unshare.argtypes = [ctypes.c_int]
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                        ctypes.c_ulong, ctypes.c_char_p]
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong,
                        ctypes.c_ulong, ctypes.c_ulong]
_libc.sethostname.argtypes = [ctypes.c_char_p, ctypes.c_size_t]


def _check(ret, what):
    if ret != 0:
        e = ctypes.get_errno()
        raise OSError(e, '%s: %s' % (what, os.strerror(e)))


def unshare(flags):
    _check(_libc.unshare(flags), 'unshare(0x%x)' % flags)


def mount(source, target, fstype, flags=0, data=None):
    _check(_libc.mount(source.encode() if source else None,
                       target.encode(),
                       fstype.encode() if fstype else None,
                       flags,
                       data.encode() if data else None),
           'mount %s' % target)


def prctl(option, arg2):
    _check(_libc.prctl(option, arg2, 0, 0, 0), 'prctl(%d)' % option)


def sethostname(name):
    b = name.encode()
    _check(_libc.sethostname(b, len(b)), 'sethostname')


def set_pdeathsig(expected_parent):
    """SIGKILL this process when its parent dies (and die now if it already
    has).  expected_parent=None skips the check (PID 1 of a new namespace
    sees getppid() == 0)."""
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if expected_parent is not None and os.getppid() != expected_parent:
        os._exit(137)


# ---------------------------------------------------------------- zygote side

def scrub_own_environment():
    """Remove every environment variable not in ZYGOTE_ENV_KEEP from this
    process and overwrite their bytes in memory, so that forked job children
    find no trace of them (neither in os.environ, /proc/self/environ, nor by
    scanning their memory).  Call before importing anything heavy."""
    data = getattr(os.environ, '_data', None)
    try:
        import posix
        penv = posix.environ          # bytes -> bytes, same objects as _data
    except Exception:                 # pragma: no cover
        penv = {}
    drop = [k for k in list(os.environ) if k not in ZYGOTE_ENV_KEEP]
    off = bytes.__basicsize__ - 1     # offset of ob_sval in a bytes object
    for k in drop:
        for d in (data, penv):
            if not d:
                continue
            bk = os.fsencode(k)
            v = d.get(bk, d.get(k) if isinstance(d, dict) else None)
            if isinstance(v, bytes) and len(v) > 1:
                ctypes.memset(id(v) + off, 0x2a, len(v))
        try:
            del os.environ[k]
        except KeyError:
            pass
        if penv is not None:
            penv.pop(os.fsencode(k), None)
    # The original environment block of the process (what
    # /proc/self/environ shows) lives on the initial stack: wipe it.  Keep
    # the variables we still need by re-setting them (setenv copies them to
    # the heap), which os.environ already did above for kept ones.
    try:
        with open('/proc/self/stat') as f:
            fields = f.read().rsplit(')', 1)[1].split()
        start, end = int(fields[47]), int(fields[48])
        if 0 < start < end and end - start < (1 << 24):
            keep = {k: os.environ[k] for k in ZYGOTE_ENV_KEEP if k in os.environ}
            for k, v in keep.items():          # force heap copies in libc
                os.environ[k] = v
            ctypes.memset(start, 0, end - start)
    except Exception:
        pass


def uid_for_slot(slot, base=None):
    """An unprivileged uid unique to (this zygote, slot).  Zygote pids are
    unique among living zygotes, and every job dies with its zygote
    (PDEATHSIG), so two running jobs never share a uid, even across zygotes
    on the same machine."""
    if base is None:
        base = int(os.environ.get('DATARUN_UID_BASE', '200000'))
    return base + (os.getpid() % 4194304) * 64 + slot



def _ns_flags(features, pid):
    """unshare() flags of the namespaces that work here (see probe())."""
    flags = 0
    for key, flag in (('netns', CLONE_NEWNET), ('mountns', CLONE_NEWNS),
                      ('ipcns', CLONE_NEWIPC), ('utsns', CLONE_NEWUTS)):
        if features.get(key):
            flags |= flag
    if pid and features.get('pidns'):
        flags |= CLONE_NEWPID
    return flags

MAX_SLOTS = 64

# monotonic timestamps of sandbox steps, filled in a job child and reported
# to the zygote (optional *_ms metrics)
MARKS = {}


def probe():
    """Fork a test child that tries each isolation feature; returns the dict
    for the ready event."""
    root = os.geteuid() == 0
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            os.close(r)
            res = _probe_child(root)
        except BaseException:
            res = {}
        try:
            import json
            os.write(w, json.dumps(res).encode())
        finally:
            os._exit(0)
    os.close(w)
    chunks = []
    while True:
        b = os.read(r, 65536)
        if not b:
            break
        chunks.append(b)
    os.close(r)
    os.waitpid(pid, 0)
    import json
    try:
        res = json.loads(b''.join(chunks).decode() or '{}')
    except ValueError:
        res = {}
    info = {
        'root': root,
        'userns': bool(res.get('userns')) and not root,
        'netns': bool(res.get('netns')),
        'pidns': bool(res.get('pidns')),
        'mountns': bool(res.get('mountns')),
        'ipcns': bool(res.get('ipcns')),
        'utsns': bool(res.get('utsns')),
        'setuid': bool(res.get('setuid')),
    }
    info['warnings'] = probe_warnings(info)
    return info


def probe_warnings(info):
    warnings = []
    if not info['netns']:
        warnings.append('no network namespace: jobs can reach the network')
    if not info['pidns']:
        warnings.append('no PID namespace: a job process that calls setsid '
                        'can escape the kill at timeout/cancel'
                        + (' (processes are also swept by uid)'
                           if info['setuid'] else ''))
    if not info['mountns']:
        warnings.append('no mount namespace: jobs share /tmp, /var/tmp and '
                        '/dev/shm with the host and can see /proc of all '
                        'processes')
    if not info['setuid']:
        warnings.append('no per-job uid: jobs run as the zygote\'s user and '
                        'can read its files and each other\'s workspaces'
                        + (' (inside a user namespace)' if info['userns']
                           else ''))
    if not (info['ipcns'] and info['utsns']):
        warnings.append('no IPC/UTS namespace: jobs share System V IPC and '
                        'the hostname with the host')
    return warnings


def apply_disable(info, disable):
    """Turn off features named in DATARUN_SANDBOX_DISABLE (comma list of
    netns, pidns, mountns, ipcns, utsns, setuid, userns), for tests of
    the fallbacks and for hosts where a feature misbehaves."""
    names = [n.strip() for n in (disable or '').split(',') if n.strip()]
    if not names:
        return info
    for n in names:
        if n in info and isinstance(info[n], bool) and n != 'root':
            info[n] = False
    again = probe_warnings(info)
    again.append('sandbox features disabled by configuration: %s'
                 % ', '.join(names))
    info['warnings'] = again
    return info


_libc.setns.argtypes = [ctypes.c_int, ctypes.c_int]


def restore_pidns(fd):
    """Our next children go into our own PID namespace again (undoes
    unshare(CLONE_NEWPID)).  Failing here would put later children into a
    job's namespace: never continue in that state."""
    if _libc.setns(fd, CLONE_NEWPID) != 0:
        e = ctypes.get_errno()
        os.write(2, ('datarun zygote: setns(pid) failed: %s\n'
                     % os.strerror(e)).encode())
        os._exit(70)


def _ppid_from(stat_fd):
    """The ppid field of an open /proc/<pid>/stat."""
    data = os.pread(stat_fd, 4096, 0)
    return int(data.rsplit(b')', 1)[1].split()[1])


def _host_ppid():
    """Our parent's pid as seen by the (still mounted) host /proc: in a new
    PID namespace getppid() is 0."""
    with open('/proc/self/stat', 'rb') as fh:
        return int(fh.read().rsplit(b')', 1)[1].split()[1])


def open_direct_pidns():
    """For forking job children straight into a new PID namespace: an fd
    of our own PID namespace, or None if unshare/fork/setns do not work
    here (then every job goes through an intermediate process)."""
    me = os.getpid()
    try:
        fd = os.open('/proc/self/ns/pid', os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        unshare(CLONE_NEWPID)
    except OSError:
        os.close(fd)
        return None
    try:
        pid = os.fork()
    except OSError:
        pid = -1
    if pid == 0:  # pragma: no cover - child
        try:
            ok = os.getpid() == 1 and _host_ppid() == me
        except BaseException:
            ok = False
        os._exit(0 if ok else 1)
    if _libc.setns(fd, CLONE_NEWPID) != 0:
        os.write(2, b'datarun zygote: setns(pid) failed at start\n')
        os._exit(70)
    ok = False
    if pid > 0:
        _, st = os.waitpid(pid, 0)
        ok = os.WIFEXITED(st) and os.WEXITSTATUS(st) == 0
    if ok:   # and our children are back in our own namespace
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            os._exit(0 if os.getpid() != 1 else 1)
        _, st = os.waitpid(pid, 0)
        ok = os.WIFEXITED(st) and os.WEXITSTATUS(st) == 0
    if not ok:
        os.close(fd)
        return None
    return fd


def _write_id_maps(uid, gid):
    with open('/proc/self/setgroups', 'w') as f:
        f.write('deny')
    with open('/proc/self/uid_map', 'w') as f:
        f.write('0 %d 1\n' % uid)
    with open('/proc/self/gid_map', 'w') as f:
        f.write('0 %d 1\n' % gid)


def _probe_child(root):  # pragma: no cover - runs in a forked child
    res = {}
    os.setsid()
    if not root:
        uid, gid = os.geteuid(), os.getegid()
        try:
            unshare(CLONE_NEWUSER)
            _write_id_maps(uid, gid)
            res['userns'] = True
        except OSError:
            res['userns'] = False
            return res
    for name, flag in (('netns', CLONE_NEWNET), ('ipcns', CLONE_NEWIPC),
                       ('utsns', CLONE_NEWUTS)):
        try:
            unshare(flag)
            res[name] = True
        except OSError:
            res[name] = False
    try:
        unshare(CLONE_NEWNS)
        mount('none', '/', None, MS_REC | MS_PRIVATE)
        mount('tmpfs', '/tmp', 'tmpfs', MS_NOSUID | MS_NODEV,
              'size=1m,mode=1777')
        res['mountns'] = True
    except OSError:
        res['mountns'] = False
    if root:
        try:
            pid = os.fork()
            if pid == 0:
                try:
                    os.setgroups([])
                    os.setresgid(200000 - 1, 200000 - 1, 200000 - 1)
                    os.setresuid(200000 - 1, 200000 - 1, 200000 - 1)
                    prctl(PR_SET_DUMPABLE, 1)
                    with open('/proc/self/clear_refs', 'w') as f:
                        f.write('5')
                    os._exit(0 if os.getuid() == 199999 else 1)
                except BaseException:
                    os._exit(1)
            _, st = os.waitpid(pid, 0)
            res['setuid'] = os.WIFEXITED(st) and os.WEXITSTATUS(st) == 0
        except OSError:
            res['setuid'] = False
    else:
        res['setuid'] = False
    try:
        unshare(CLONE_NEWPID)
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            ok = os.getpid() == 1
            if ok and res.get('mountns'):
                try:
                    mount('proc', '/proc', 'proc',
                          MS_NOSUID | MS_NODEV | MS_NOEXEC)
                except OSError:
                    ok = False
            os.write(w, b'1' if ok else b'0')
            os._exit(0)
        os.close(w)
        ok = os.read(r, 1) == b'1'
        os.waitpid(pid, 0)
        res['pidns'] = ok
    except OSError:
        res['pidns'] = False
    return res


def processes_of(uid=None, pgid=None, sid=None):
    """Pids (other than ours) whose real uid / process group / session match."""
    out = []
    me = os.getpid()
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        pid = int(name)
        if pid == me:
            continue
        try:
            if uid is not None:
                with open('/proc/%d/status' % pid) as f:
                    for line in f:
                        if line.startswith('Uid:'):
                            if int(line.split()[1]) == uid:
                                out.append(pid)
                            break
                continue
            with open('/proc/%d/stat' % pid) as f:
                fields = f.read().rsplit(')', 1)[1].split()
            if fields[0] == 'Z':
                continue
            if pgid is not None and int(fields[2]) == pgid:
                out.append(pid)
            elif sid is not None and int(fields[3]) == sid:
                out.append(pid)
        except (OSError, ValueError, IndexError):
            continue
    return out


def kill_job(pid, uid=None, sweep_uid=False):
    """SIGKILL the intermediate process and its process group (with a PID
    namespace that is enough to kill everything); without one, also every
    process of the job's session and, when the job has its own uid, of that
    uid."""
    for fn, arg in ((os.killpg, pid), (os.kill, pid)):
        try:
            fn(arg, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    if sweep_uid:
        for _ in range(3):
            victims = processes_of(sid=pid)
            if uid is not None:
                victims += processes_of(uid=uid)
            if not victims:
                break
            for v in victims:
                try:
                    os.kill(v, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass


# ----------------------------------------------------------------- child side

PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38


class _CapHeader(ctypes.Structure):
    _fields_ = [('version', ctypes.c_uint32), ('pid', ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [('effective', ctypes.c_uint32),
                ('permitted', ctypes.c_uint32),
                ('inheritable', ctypes.c_uint32)]


def drop_bounding_set():
    """Empty the capability bounding set.  Needs CAP_SETPCAP, so call it
    while still privileged (before setuid to the job uid)."""
    for cap in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            if ctypes.get_errno() == 22:      # EINVAL: past the last cap
                break


def drop_capabilities(bounding=True):
    """No new privileges (setuid binaries grant nothing), empty bounding
    set and no capabilities left: matters in the user-namespace mode where
    the job is 'root' of its own namespace; after setuid to the job uid
    the kernel has already cleared them (and the bounding set must have
    been emptied before, see drop_bounding_set)."""
    try:
        prctl(PR_SET_NO_NEW_PRIVS, 1)
    except OSError:
        pass
    if bounding:
        drop_bounding_set()
    try:
        hdr = _CapHeader(0x20080522, 0)
        data = (_CapData * 2)()
        _libc.capset(ctypes.byref(hdr), data)
    except Exception:
        pass


class Sandbox(object):
    """Settings of one job child, computed by the zygote before the fork."""

    def __init__(self, features, uid, gid, limits, workspace):
        self.features = features
        self.uid = uid
        self.gid = gid
        self.limits = limits or {}
        self.workspace = workspace

    def enter_intermediate(self, zygote_pid):
        """Runs in P right after the fork from the zygote (fds already set
        up).  Returns the unshare flags used."""
        os.setsid()
        set_pdeathsig(zygote_pid)
        f = self.features
        flags = _ns_flags(f, pid=True)
        if f.get('userns'):
            uid, gid = os.geteuid(), os.getegid()
            unshare(CLONE_NEWUSER | flags)
            _write_id_maps(uid, gid)
        elif flags:
            unshare(flags)
        MARKS['unshared'] = _now()
        return flags

    def enter_direct(self, zygote_pid):
        """Runs in J forked straight from the zygote into a new PID
        namespace (J is its PID 1): what P does otherwise, minus the PID
        namespace.  Returns the unshare flags used."""
        os.setsid()
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        # getppid() is 0 in a new PID namespace; the host /proc (still
        # mounted) gives our parent's pid as the zygote sees it
        if _host_ppid() != zygote_pid:
            os._exit(137)
        flags = _ns_flags(self.features, pid=False)
        if flags:
            unshare(flags)
        MARKS['unshared'] = _now()
        MARKS['j_start'] = MARKS['unshared']
        return flags | CLONE_NEWPID

    def enter_job(self, before_mounts=None, need_path=True):
        """Runs in J (PID 1 of the new PID namespace when available).
        before_mounts(): called with cwd = workspace while still privileged
        and before /tmp etc. are hidden (copy files, open inputs).
        Returns the path under which the job reaches its workspace (normally
        the workspace path itself; see _job_path)."""
        f = self.features
        MARKS.setdefault('j_start', _now())
        set_pdeathsig(None if f.get('pidns') else os.getppid())
        # Changing uid/gid clears PDEATHSIG: it is set again after setuid,
        # and the parent checked once more through this host /proc file
        # (getppid() is 0 in a PID namespace, and /proc is remounted below).
        stat_fd = os.open('/proc/self/stat', os.O_RDONLY | os.O_CLOEXEC)
        try:
            ppid0 = _ppid_from(stat_fd)
        except BaseException:
            os.close(stat_fd)
            raise
        os.chdir(self.workspace)
        if before_mounts is not None:
            before_mounts()
        MARKS['prep'] = _now()
        hidden = ()
        if f.get('mountns'):
            mount('none', '/', None, MS_REC | MS_PRIVATE)
            tmp_size = int(self.limits.get('tmp_mb', 256))
            hidden = []
            for d in ('/tmp', '/var/tmp', '/dev/shm', '/run/lock'):
                if os.path.isdir(d) and not os.path.islink(d):
                    mount('tmpfs', d, 'tmpfs', MS_NOSUID | MS_NODEV,
                          'size=%dm,mode=1777' % tmp_size)
                    hidden.append(d)
            if f.get('pidns'):
                mount('proc', '/proc', 'proc',
                      MS_NOSUID | MS_NODEV | MS_NOEXEC)
        MARKS['mounts'] = _now()
        path = self._job_path(hidden) if need_path else None
        MARKS['job_path'] = _now()
        if f.get('utsns'):
            try:
                sethostname('datarun-job')
            except OSError:
                pass
        bounding = True
        if f.get('setuid') and self.uid is not None:
            drop_bounding_set()         # needs CAP_SETPCAP: before setuid
            bounding = False
            os.setgroups([])
            os.setresgid(self.gid, self.gid, self.gid)
            os.setresuid(self.uid, self.uid, self.uid)
        try:
            prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            alive = _ppid_from(stat_fd) == ppid0
        finally:
            os.close(stat_fd)
        if not alive:
            os._exit(137)
        MARKS['setuid'] = _now()
        drop_capabilities(bounding)
        try:
            prctl(PR_SET_DUMPABLE, 1)   # keep /proc/self writable
        except OSError:
            pass
        MARKS['caps'] = _now()
        home = path or ('/tmp' if f.get('mountns') else '.')
        self._set_env(home)
        MARKS['env'] = _now()
        self._set_rlimits()
        MARKS['rlimits'] = _now()
        return path or '.'

    def _reachable(self, path):
        """Can the job's uid traverse to path and write it?"""
        if not (self.features.get('setuid') and self.uid is not None):
            return True
        p = os.path.abspath(path)
        parts = []
        while True:
            parts.append(p)
            if p == '/':
                break
            p = os.path.dirname(p)
        for i, d in enumerate(parts):
            try:
                st = os.stat(d)
            except OSError:
                return False
            need = 0o3 if i == 0 else 0o1       # wx on the dir itself
            if st.st_uid == self.uid:
                bits = (st.st_mode >> 6) & 7
            elif st.st_gid == self.gid:
                bits = (st.st_mode >> 3) & 7
            else:
                bits = st.st_mode & 7
            if bits & need != need:
                return False
        return True

    def _job_path(self, hidden):
        """The job's cwd is its workspace.  If the workspace's absolute path
        is hidden by the private /tmp (or similar) or not reachable by the
        job's uid (a 0700 parent), bind-mount the cwd onto the same path
        inside the private tmpfs, or onto /tmp/workspace, so that HOME,
        TMPDIR and sys.path entries are real paths the job can use; without
        a mount namespace fall back to '.'."""
        ws = self.workspace
        try:
            same = os.path.samestat(os.stat(ws), os.stat('.'))
        except OSError:
            same = False
        if same and self._reachable(ws):
            return ws
        if not self.features.get('mountns'):
            return '.'
        under_hidden = any(ws == d or ws.startswith(d + '/') for d in hidden)
        target = ws if under_hidden else '/tmp/workspace'
        old = os.umask(0o022)
        try:
            os.makedirs(target, 0o755, exist_ok=True)
        finally:
            os.umask(old)
        mount('.', target, None, MS_BIND)
        os.chdir(target)
        if not self._reachable(target):
            # same path but a parent of it lives outside the tmpfs
            target2 = '/tmp/workspace'
            os.makedirs(target2, 0o755, exist_ok=True)
            mount('.', target2, None, MS_BIND)
            os.chdir(target2)
            target = target2
        return target

    def _set_env(self, home):
        os.environ.clear()
        os.environ.update({'PATH': '/usr/bin:/bin', 'HOME': home,
                           'TMPDIR': home, 'LANG': 'C.UTF-8'})
        os.environ.update(THREAD_ENV)
        try:
            import tempfile
            tempfile.tempdir = None
        except Exception:
            pass

    def _set_rlimits(self):
        lim = self.limits
        mb = 1024 * 1024

        def setl(res, value):
            value = int(value)
            soft, hard = resource.getrlimit(res)
            if hard != resource.RLIM_INFINITY and value > hard:
                value = hard
            resource.setrlimit(res, (value, value))

        if lim.get('memory_mb'):
            vmsize = 0
            with open('/proc/self/status') as f:
                for line in f:
                    if line.startswith('VmSize:'):
                        vmsize = int(line.split()[1]) * 1024
            setl(resource.RLIMIT_AS, vmsize + int(lim['memory_mb']) * mb)
        if lim.get('timeout_s'):
            cpu = int(float(lim['timeout_s'])) + 5
            soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
            h = cpu + 1
            if hard != resource.RLIM_INFINITY:
                h = min(h, hard)
                cpu = min(cpu, h)
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, h))
        if lim.get('nofile'):
            setl(resource.RLIMIT_NOFILE, lim['nofile'])
        if lim.get('nproc'):
            setl(resource.RLIMIT_NPROC, lim['nproc'])
        if lim.get('fsize_mb') is not None:
            setl(resource.RLIMIT_FSIZE, int(lim['fsize_mb']) * mb)
        setl(resource.RLIMIT_CORE, 0)
        # a too large file then raises OSError(EFBIG) instead of killing
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def chown_tree(path, uid, gid):
    """Recursively chown (no symlink following)."""
    try:
        os.chown(path, uid, gid, follow_symlinks=False)
    except OSError:
        pass
    for dirpath, dirnames, filenames in os.walk(path):
        for n in dirnames + filenames:
            try:
                os.chown(os.path.join(dirpath, n), uid, gid,
                         follow_symlinks=False)
            except OSError:
                pass


if __name__ == '__main__':  # pragma: no cover
    import json
    json.dump(probe(), sys.stdout, indent=1)

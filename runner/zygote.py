#!/usr/bin/python3
"""datarun warm zygote: one long-lived, single-threaded Python process per
dataset.  Commands arrive as JSON lines on stdin, events leave as JSON lines
on stdout (nothing else is ever written there).  Every job runs in a forked,
sandboxed child; see README.md for the protocol and sandbox.py for the
isolation.
"""

import os
import sys

# Thread counts must be fixed before numpy/openblas are imported.
for _k in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'NUMEXPR_NUM_THREADS',
           'MKL_NUM_THREADS'):
    os.environ[_k] = '1'
os.environ.setdefault('MALLOC_ARENA_MAX', '2')

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import sandbox  # noqa: E402

_DISABLE = os.environ.get('DATARUN_SANDBOX_DISABLE', '')
# DATARUN_HUGEPAGES=0 turns off the huge page collapse (for measurements)
_HUGEPAGES = os.environ.get('DATARUN_HUGEPAGES', '1') != '0'

# Forget (and overwrite) secrets such as DATABASE_URL before anything else
# copies them around: every job child inherits this process's memory.
sandbox.scrub_own_environment()

# Events go to a private copy of fd 1; fd 1 itself now points to stderr, so
# a stray print() (ours, a library's, specific.py's) can never corrupt the
# event stream.
EVENTS_FD = os.dup(1)
os.dup2(2, 1)

import base64  # noqa: E402,F401
import errno  # noqa: E402
import json  # noqa: E402
import pickle  # noqa: E402
import platform  # noqa: E402
import selectors  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

import numpy  # noqa: E402
import pandas  # noqa: E402
import sklearn  # noqa: E402
import sklearn.ensemble  # noqa: E402,F401
import sklearn.linear_model  # noqa: E402,F401
import sklearn.model_selection  # noqa: E402,F401
import sklearn.preprocessing  # noqa: E402,F401
import sklearn.pipeline  # noqa: E402,F401

import workflows  # noqa: E402

LOG_MAX = 64 * 1024
RESULT_MAX = 1 << 30
LINE_MAX = 64 * 1024 * 1024
READ_CHUNK = 1 << 16
DEFAULT_LIMITS = {'memory_mb': 4096, 'timeout_s': 1800, 'nofile': 256,
                  'nproc': 256, 'fsize_mb': 1024}
ERROR_KINDS = ('submission', 'timeout', 'memory', 'cancelled',
               'infrastructure')
PR_SET_CHILD_SUBREAPER = 36


class BadCommand(Exception):
    pass


class Data(object):
    kind = None
    X_train = y_train = X_test = None
    elements = None
    specific = None


class Job(object):
    def __init__(self, job_id, op):
        self.job_id = job_id
        self.op = op
        self.pid = None          # intermediate process P
        self.jpid = None         # the job process J (outer pid)
        self.p_done = False
        self.j_done = False
        self.status = None
        self.cpu = 0.0
        self.fds = {}            # fd -> 'out' | 'res'
        self.log = bytearray()
        self.resbuf = bytearray()
        self.result = None
        self.state = 'TODO'
        self.deadline = None
        self.decision = None     # (error_kind, reason) decided by the zygote
        self.t0 = time.monotonic()
        self.slot = None
        self.uid = None
        self.timeout_s = None
        self.remove_dir = None
        self.chown_back = None
        self.sandboxed = True
        self.direct = False      # J forked straight from the zygote (no P)
        self.on_done = None
        self.finished = False
        self.marks = {}          # monotonic timestamps for metrics *_ms


def _wipe(obj):
    """Overwrite a large private buffer before freeing it, so that later
    forked children cannot find other jobs' predictions or logs in the
    memory they inherit."""
    import ctypes
    try:
        if isinstance(obj, bytearray) and len(obj):
            buf = (ctypes.c_char * len(obj)).from_buffer(obj)
            ctypes.memset(ctypes.addressof(buf), 0, len(obj))
            del buf
        elif isinstance(obj, bytes) and len(obj) > 64:
            ctypes.memset(id(obj) + bytes.__basicsize__ - 1, 0, len(obj))
        elif isinstance(obj, str) and len(obj) > 64 and obj.isascii():
            ctypes.memset(id(obj) + sys.getsizeof('') - 1, 0x30, len(obj))
    except Exception:
        pass


class Zygote(object):
    def __init__(self):
        self.pid = os.getpid()
        self.features = sandbox.apply_disable(sandbox.probe(), _DISABLE)
        self.sel = selectors.DefaultSelector()
        self.jobs = {}
        self.by_pid = {}
        self.slots = set()
        self.data = None
        self.loading = False
        self.stdin_buf = bytearray()
        self.stop = False
        self.stdin_open = True
        self.gid_base = None
        try:
            sandbox.prctl(PR_SET_CHILD_SUBREAPER, 1)
        except OSError:
            pass
        # As root with PID namespaces, J is forked straight from the zygote
        # into a fresh PID namespace (one fork per job instead of two).
        self.pidns_fd = None
        if self.features.get('pidns') and self.features.get('root') and \
                not self.features.get('userns'):
            self.pidns_fd = sandbox.open_direct_pidns()
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        signal.signal(signal.SIGCHLD, lambda s, f: None)
        signal.signal(signal.SIGTERM, self._on_term)
        signal.signal(signal.SIGINT, self._on_term)
        signal.set_wakeup_fd(self.wake_w, warn_on_full_buffer=False)
        self.sel.register(self.wake_r, selectors.EVENT_READ, ('wake', None))
        os.set_blocking(0, False)
        self.sel.register(0, selectors.EVENT_READ, ('stdin', None))

    def _on_term(self, signum, frame):
        self.stop = True

    # ------------------------------------------------------------ output
    def emit(self, ev):
        line = (json.dumps(ev, separators=(',', ':')) + '\n').encode()
        view = memoryview(line)
        while view:
            try:
                n = os.write(EVENTS_FD, view)
            except InterruptedError:
                continue
            except BlockingIOError:
                time.sleep(0.001)
                continue
            view = view[n:]
        del view
        _wipe(line)

    def error(self, job_id, msg):
        self.emit({'event': 'error', 'job_id': job_id, 'error': msg})

    def ready(self):
        sb = dict(self.features)
        self.emit({'event': 'ready', 'pid': self.pid,
                   'python': platform.python_version(),
                   'numpy': numpy.__version__, 'pandas': pandas.__version__,
                   'sklearn': sklearn.__version__, 'sandbox': sb})

    # ------------------------------------------------------------ main loop
    def serve(self):
        self.ready()
        while True:
            if self.stop or (not self.stdin_open):
                self.shutdown()
                return
            timeout = None
            now = time.monotonic()
            for job in self.jobs.values():
                if job.deadline is not None and job.decision is None:
                    t = max(0.0, job.deadline - now)
                    timeout = t if timeout is None else min(timeout, t)
            try:
                events = self.sel.select(timeout)
            except InterruptedError:
                events = []
            for key, _ in events:
                tag, job = key.data
                if tag == 'wake':
                    self._drain_wake()
                elif tag == 'stdin':
                    self._read_stdin()
                else:
                    self._read_job_fd(job, key.fd)
            self._reap()
            self._check_deadlines()

    def _drain_wake(self):
        try:
            while os.read(self.wake_r, 4096):
                pass
        except (BlockingIOError, InterruptedError):
            pass

    def _read_stdin(self):
        try:
            chunk = os.read(0, READ_CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        if not chunk:
            self.stdin_open = False
            self.sel.unregister(0)
            if self.stdin_buf.strip():
                line = bytes(self.stdin_buf)
                self.stdin_buf.clear()
                self._handle_line(line)
            return
        self.stdin_buf += chunk
        while True:
            i = self.stdin_buf.find(b'\n')
            if i < 0:
                if len(self.stdin_buf) > LINE_MAX:
                    self.stdin_buf.clear()
                    self.error(None, 'command line too long')
                return
            line = bytes(self.stdin_buf[:i])
            del self.stdin_buf[:i + 1]
            if line.strip():
                self._handle_line(line)
            if self.stop:
                return

    def _handle_line(self, line):
        job_id = None
        try:
            try:
                cmd = json.loads(line.decode('utf-8'))
            except (ValueError, UnicodeDecodeError) as e:
                raise BadCommand('invalid JSON: %s' % e)
            if not isinstance(cmd, dict):
                raise BadCommand('command must be a JSON object')
            job_id = cmd.get('job_id')
            op = cmd.get('op')
            if op == 'shutdown':
                self.stop = True
                return
            if not isinstance(job_id, str) or not job_id:
                job_id = job_id if isinstance(job_id, (str, int)) else None
                raise BadCommand('job_id must be a non-empty string')
            handler = {'split': self.cmd_split,
                       'customsplit': self.cmd_customsplit,
                       'load': self.cmd_load, 'run': self.cmd_run,
                       'cancel': self.cmd_cancel}.get(op)
            if handler is None:
                raise BadCommand('unknown op %r' % (op,))
            if op != 'cancel' and job_id in self.jobs:
                raise BadCommand('job %s is already running' % job_id)
            handler(cmd)
        except BadCommand as e:
            self.error(job_id, str(e))
        except Exception as e:  # never let one command kill the zygote
            self.error(job_id, 'internal error: %s\n%s' % (
                e, traceback.format_exc()))

    # ------------------------------------------------------------ commands
    @staticmethod
    def _abs(cmd, key):
        v = cmd.get(key)
        if not isinstance(v, str) or not os.path.isabs(v):
            raise BadCommand('%s must be an absolute path' % key)
        return os.path.normpath(v)

    @staticmethod
    def _limits(cmd):
        lim = cmd.get('limits', {})
        if lim is None:
            lim = {}
        if not isinstance(lim, dict):
            raise BadCommand('limits must be an object')
        out = dict(DEFAULT_LIMITS)
        for k, v in lim.items():
            if k in ('memory_mb', 'timeout_s', 'nofile', 'nproc', 'fsize_mb',
                     'tmp_mb'):
                if isinstance(v, bool) or not isinstance(v, (int, float)) \
                        or v <= 0:
                    raise BadCommand('limits.%s must be a positive number' % k)
                out[k] = v
        return out

    def _alloc_slot(self):
        for s in range(sandbox.MAX_SLOTS):
            if s not in self.slots:
                self.slots.add(s)
                return s
        raise BadCommand('too many concurrent jobs in this zygote')

    def cmd_split(self, cmd):
        data_file = self._abs(cmd, 'data_file')
        out_dir = self._abs(cmd, 'out_dir')
        held = cmd.get('held_out_test')
        if isinstance(held, bool) or not isinstance(held, (int, float)):
            raise BadCommand('held_out_test must be a number')
        rs = cmd.get('random_state', 42)
        if rs is not None and (isinstance(rs, bool) or
                               not isinstance(rs, int)):
            raise BadCommand('random_state must be an integer')
        if not os.path.isfile(data_file):
            raise BadCommand('data_file %s does not exist' % data_file)
        limits = self._limits(cmd)
        os.makedirs(out_dir, exist_ok=True)
        job = Job(cmd['job_id'], 'split')
        state = {}

        def prep():
            # as root, before dropping privileges: open input and outputs
            state['in'] = open(data_file, 'rb')
            state['train'] = open(os.path.join(out_dir, 'train.csv'), 'w',
                                  newline='', encoding='utf-8')
            state['test'] = open(os.path.join(out_dir, 'test.csv'), 'w',
                                 newline='', encoding='utf-8')

        def body(rep, path):
            workflows.run_split(rep, cmd, state['in'], state['train'],
                                state['test'])
        self._spawn(job, limits, out_dir, prep, body, need_path=False)

    def cmd_customsplit(self, cmd):
        d = self._abs(cmd, 'dataset_dir')
        if not os.path.isfile(os.path.join(d, 'specific.py')):
            raise BadCommand('%s has no specific.py' % d)
        limits = self._limits(cmd)
        job = Job(cmd['job_id'], 'customsplit')
        job.chown_back = d

        def body(rep, path):
            workflows.run_customsplit(rep, path)
        self._spawn(job, limits, d, None, body, need_path=True,
                    chown_dir=d)

    def cmd_load(self, cmd):
        if self.data is not None or self.loading:
            raise BadCommand('this zygote is already loaded')
        kind = cmd.get('kind')
        if kind not in ('standard', 'custom'):
            raise BadCommand('kind must be "standard" or "custom"')
        d = self._abs(cmd, 'dataset_dir')
        pdir = self._abs(cmd, 'prepared_dir')
        data = Data()
        data.kind = kind
        if kind == 'standard':
            if not isinstance(cmd.get('target_column'), str):
                raise BadCommand('target_column must be a string')
            try:
                data.elements = workflows.parse_elements(
                    cmd.get('workflow_elements'))
            except workflows.InfraError as e:
                raise BadCommand(str(e))
            for f in ('train.csv', 'test.csv'):
                if not os.path.isfile(os.path.join(d, f)):
                    raise BadCommand('%s has no %s' % (d, f))
        elif not os.path.isfile(os.path.join(d, 'specific.py')):
            raise BadCommand('%s has no specific.py' % d)
        self.loading = True
        job_id = cmd['job_id']
        train_pkl = os.path.join(pdir, 'train.pkl')
        test_pkl = os.path.join(pdir, 'test_X.pkl')

        def finish(ok, err):
            self.loading = False
            if not ok:
                self.error(job_id, 'load failed: %s' % err)
                return
            try:
                if kind == 'custom':
                    data.specific = workflows.load_specific(d)
                with open(train_pkl, 'rb') as f:
                    data.X_train, data.y_train = pickle.load(f)
                with open(test_pkl, 'rb') as f:
                    data.X_test = pickle.load(f)
                if kind == 'standard' and not (
                        hasattr(data.X_train, 'iloc') and
                        hasattr(data.y_train, 'iloc')):
                    raise TypeError('standard dataset must load DataFrames')
                n_train, n_test = len(data.y_train), len(data.X_test)
            except Exception as e:
                self.error(job_id, 'load failed: %s\n%s' % (
                    e, traceback.format_exc()))
                return
            self.data = data
            collapse_hugepages()
            self.emit({'event': 'loaded', 'job_id': job_id,
                       'n_train': n_train, 'n_test': n_test})

        if os.path.isfile(train_pkl) and os.path.isfile(test_pkl):
            finish(True, None)
            return
        os.makedirs(pdir, mode=0o700, exist_ok=True)
        job = Job(job_id, 'load')
        job.sandboxed = False

        def on_done(job, ev):
            if ev.get('ok'):
                finish(True, None)
            else:
                finish(False, '%s\n%s' % (ev.get('error', ''),
                                          ev.get('log', '')))
        job.on_done = on_done

        def body(rep, path):
            workflows.run_load(rep, cmd)
        lim = self._limits(cmd)
        self._spawn(job, lim, d, None, body, need_path=False)

    def cmd_run(self, cmd):
        t_cmd = time.monotonic()
        if self.data is None:
            raise BadCommand('this zygote has no dataset loaded')
        sub = self._abs(cmd, 'submission_dir')
        ws = self._abs(cmd, 'workspace')
        if not os.path.isdir(sub):
            raise BadCommand('submission_dir %s does not exist' % sub)
        if not isinstance(cmd.get('train_is'), str):
            raise BadCommand('train_is must be a string')
        if ws in ('/', sub) or sub.startswith(ws + '/'):
            raise BadCommand('workspace must be a dedicated directory')
        limits = self._limits(cmd)
        os.makedirs(ws, mode=0o700, exist_ok=True)
        job = Job(cmd['job_id'], 'run')
        job.marks['cmd'] = t_cmd
        job.remove_dir = ws
        data = self.data
        holder = {}

        def prep():
            workflows.copy_submission(sub, 'submission', holder.get('uid'),
                                      holder.get('uid'))

        def body(rep, path):
            sys.path.insert(0, path)
            workflows.run_fold(rep, data, cmd,
                               os.path.join(path, 'submission'))
        self._spawn(job, limits, ws, prep, body, need_path=True,
                    chown_dir=ws, holder=holder)

    def cmd_cancel(self, cmd):
        job = self.jobs.get(cmd['job_id'])
        if job is None:
            raise BadCommand('no running job %s' % cmd['job_id'])
        if job.decision is None:
            job.decision = ('cancelled', 'cancelled')
            self._kill(job)

    # ------------------------------------------------------------ jobs
    def _spawn(self, job, limits, workdir, prep, body, need_path,
               chown_dir=None, holder=None):
        f = self.features
        use_uid = job.sandboxed and f.get('setuid')
        if use_uid:
            job.slot = self._alloc_slot()
            job.uid = sandbox.uid_for_slot(job.slot)
        if holder is not None:
            holder['uid'] = job.uid
        try:
            if chown_dir and job.uid is not None:
                sandbox.chown_tree(chown_dir, job.uid, job.uid)
                if chown_dir == job.remove_dir:
                    os.chmod(chown_dir, 0o700)
            sb = sandbox.Sandbox(f, job.uid, job.uid, limits, workdir)
            out_r, out_w = os.pipe()
            res_r, res_w = os.pipe()
        except Exception:
            self._release(job)
            raise
        job.timeout_s = float(limits.get('timeout_s') or 0) or None
        if job.timeout_s:
            job.deadline = time.monotonic() + job.timeout_s
        sys.stdout.flush()
        sys.stderr.flush()
        job.marks['fork'] = time.monotonic()
        job.direct = job.sandboxed and self.pidns_fd is not None
        try:
            pid = None
            if job.direct:
                try:
                    pid = self._fork_in_new_pidns()
                except OSError:
                    # e.g. the PID namespace limit: let an intermediate
                    # process try (it reports a failure as the job's result)
                    job.direct = False
            if pid is None:
                pid = os.fork()
        except BaseException:
            for fd in (out_r, out_w, res_r, res_w):
                os.close(fd)
            self._release(job)
            raise
        if pid == 0:  # pragma: no cover - child
            self._child(job, sb, prep, body, need_path, out_w, res_w)
            os._exit(70)
        job.marks['fork_ret'] = time.monotonic()
        os.close(out_w)
        os.close(res_w)
        job.pid = pid
        # wall_time_total counts from just before the fork: the fork itself
        # (copying the page tables) is part of the job's cost, and the
        # zygote may be descheduled right after it while the job runs
        job.t0 = job.marks['fork']
        self.by_pid[pid] = job
        self.jobs[job.job_id] = job
        for fd, kind in ((out_r, 'out'), (res_r, 'res')):
            os.set_blocking(fd, False)
            job.fds[fd] = kind
            self.sel.register(fd, selectors.EVENT_READ, (kind, job))

    def _fork_in_new_pidns(self):
        """fork() whose child is PID 1 of a new PID namespace: unshare
        CLONE_NEWPID (which only affects our next child), fork, then point
        our children's PID namespace back to our own."""
        sandbox.unshare(sandbox.CLONE_NEWPID)
        try:
            pid = os.fork()
        except BaseException:
            sandbox.restore_pidns(self.pidns_fd)
            raise
        if pid:
            sandbox.restore_pidns(self.pidns_fd)
        return pid

    def _child(self, job, sb, prep, body, need_path, out_w, res_w):
        """Runs in P (the intermediate process), or directly in J when
        job.direct (see _spawn); never returns."""
        t_forked = time.monotonic()
        try:
            signal.set_wakeup_fd(-1)
            for s in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT):
                signal.signal(s, signal.SIG_DFL)
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            os.dup2(out_w, 1)
            os.dup2(out_w, 2)
            os.dup2(res_w, 3)
            os.closerange(4, 65536)
            # other jobs' buffers are not ours to see
            for other in list(self.jobs.values()):
                _wipe(other.log)
                _wipe(other.resbuf)
            self.stdin_buf = bytearray()
        except BaseException:
            os._exit(71)

        def emit(obj):
            data = (json.dumps(obj, separators=(',', ':')) + '\n').encode()
            view = memoryview(data)
            while view:
                n = os.write(3, view)
                view = view[n:]

        marks = sandbox.MARKS
        marks.clear()
        marks['p_start'] = time.monotonic()
        marks['forked'] = t_forked
        if job.direct:
            # this process is J itself, already PID 1 of its PID namespace
            try:
                sb.enter_direct(self.pid)
            except BaseException as e:
                try:
                    workflows.Reporter(emit).fail(e)
                finally:
                    os._exit(72)
            jpid = 0
        else:
            try:
                if job.sandboxed:
                    sb.enter_intermediate(self.pid)
                else:
                    os.setsid()
                    sandbox.set_pdeathsig(self.pid)
                jpid = os.fork()
            except BaseException as e:
                try:
                    workflows.Reporter(emit).fail(e)
                finally:
                    os._exit(72)
        if jpid:
            # P: report J's pid, wait for it, exit with its status
            try:
                emit({'t': 'jpid', 'pid': jpid})
            except OSError:
                pass
            for fd in (0, 1, 2):
                try:
                    os.close(fd)
                except OSError:
                    pass
            while True:
                try:
                    _, st = os.waitpid(jpid, 0)
                    break
                except InterruptedError:
                    continue
                except ChildProcessError:
                    os._exit(73)
            try:
                emit({'t': 'marks', 'marks': {'j_dead': time.monotonic()}})
            except OSError:
                pass
            if os.WIFSIGNALED(st):
                os._exit(128 + os.WTERMSIG(st))
            os._exit(os.WEXITSTATUS(st) if os.WIFEXITED(st) else 74)
        # J
        rep = workflows.Reporter(emit)
        try:
            if job.sandboxed:
                path = sb.enter_job(prep, need_path=need_path)
            else:
                sandbox.set_pdeathsig(os.getppid())
                os.chdir(sb.workspace)
                path = sb.workspace
            # the job's own code never needs the .pyc files it would write
            # into its workspace
            sys.dont_write_bytecode = True
            marks['body'] = time.monotonic()
            rep.marks.update(marks)     # sent with a fold's result
            body(rep, path)
        except BaseException as e:
            try:
                rep.fail(e)
            except BaseException:
                try:
                    emit({'t': 'result', 'ok': False,
                          'error_kind': 'memory' if isinstance(
                              e, MemoryError) else rep.stage,
                          'error': repr(e), 'state_reached': rep.state})
                except BaseException:
                    pass
        finally:
            for s in (sys.stdout, sys.stderr):
                try:
                    s.flush()
                except BaseException:
                    pass
            os._exit(0)

    def _read_job_fd(self, job, fd, drain=False):
        kind = job.fds.get(fd)
        if kind is None:
            return
        budget = 1 << 20 if not drain else None
        total = 0
        while True:
            try:
                chunk = os.read(fd, READ_CHUNK)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                chunk = b''
            if not chunk:
                self._close_fd(job, fd)
                return
            if kind == 'out':
                job.log += chunk
                if len(job.log) > 2 * LOG_MAX:
                    del job.log[:len(job.log) - LOG_MAX]
            else:
                self._on_result_data(job, chunk)
            total += len(chunk)
            if budget is not None and total >= budget:
                return

    def _close_fd(self, job, fd):
        if job.fds.pop(fd, None) is not None:
            try:
                self.sel.unregister(fd)
            except (KeyError, ValueError):
                pass
            os.close(fd)

    def _on_result_data(self, job, chunk):
        job.resbuf += chunk
        if len(job.resbuf) > RESULT_MAX:
            _wipe(job.resbuf)
            job.resbuf = bytearray()
            if job.decision is None:
                job.decision = ('infrastructure',
                                'job result larger than %d bytes' % RESULT_MAX)
                self._kill(job)
            return
        while True:
            i = job.resbuf.find(b'\n')
            if i < 0:
                return
            line = bytes(job.resbuf[:i])
            del job.resbuf[:i + 1]
            try:
                msg = json.loads(line.decode('utf-8'))
            except (ValueError, UnicodeDecodeError):
                msg = None
            _wipe(line)
            if not isinstance(msg, dict):
                continue
            t = msg.get('t')
            if t == 'jpid' and job.jpid is None and \
                    isinstance(msg.get('pid'), int):
                job.jpid = msg['pid']
                if job.jpid not in self.by_pid:
                    self.by_pid[job.jpid] = job
            elif t == 'progress' and msg.get('state') in ('TRAINED',
                                                          'VALIDATED'):
                if msg['state'] != job.state:
                    job.state = msg['state']
                    if job.op == 'run' and job.decision is None:
                        self.emit({'event': 'progress', 'job_id': job.job_id,
                                   'state': job.state})
            elif t == 'marks' and isinstance(msg.get('marks'), dict):
                job.marks.update(msg['marks'])
            elif t == 'result':
                job.marks['res'] = time.monotonic()
                if isinstance(msg.get('marks'), dict):
                    job.marks.update(msg.pop('marks'))
                if job.result is not None:
                    for v in job.result.values():
                        _wipe(v)
                job.result = msg

    def _kill(self, job):
        if job.pid is not None and not job.p_done:
            sandbox.kill_job(job.pid)
        if job.jpid is not None and not job.j_done:
            try:
                os.kill(job.jpid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def _check_deadlines(self):
        now = time.monotonic()
        for job in list(self.jobs.values()):
            if job.decision is None and job.deadline is not None and \
                    now >= job.deadline:
                job.decision = ('timeout', 'wall-clock timeout of %gs '
                                'exceeded' % job.timeout_s)
                self._kill(job)

    def _reap(self):
        while True:
            try:
                pid, st, ru = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                return
            except InterruptedError:
                continue
            if pid == 0:
                return
            job = self.by_pid.pop(pid, None)
            if job is None:
                continue          # an orphan adopted as subreaper
            job.cpu += ru.ru_utime + ru.ru_stime
            job.marks['reap_p' if pid == job.pid else 'reap_j'] = \
                time.monotonic()
            if pid == job.pid:
                job.p_done = True
                job.status = st
                # read what is left, learn J's pid if not yet known
                for fd in list(job.fds):
                    if job.fds.get(fd) == 'res':
                        self._read_job_fd(job, fd, drain=True)
                if job.jpid is not None and not job.j_done:
                    try:
                        r = os.wait4(job.jpid, os.WNOHANG)
                    except ChildProcessError:
                        job.j_done = True     # P reaped it
                    else:
                        if r[0] == job.jpid:
                            job.j_done = True
                            job.cpu += r[2].ru_utime + r[2].ru_stime
                        else:             # adopted, still running: kill
                            try:
                                os.kill(job.jpid, signal.SIGKILL)
                            except ProcessLookupError:
                                pass
            elif pid == job.jpid:
                job.j_done = True
            if job.p_done and (job.jpid is None or job.j_done):
                self._finish(job)

    def _classify(self, job):
        """(error_kind, reason) when the job ended without a result."""
        st = job.status
        if os.WIFSIGNALED(st):
            if not job.direct:
                return ('infrastructure', 'job supervisor killed by signal '
                        '%s' % _signame(os.WTERMSIG(st)))
            code = 128 + os.WTERMSIG(st)     # J itself was killed
        else:
            code = os.WEXITSTATUS(st) if os.WIFEXITED(st) else -1
        if code > 128:
            sig = code - 128
            if sig == signal.SIGXCPU:
                return ('timeout', 'CPU time limit exceeded (SIGXCPU)')
            if sig == signal.SIGKILL:
                if job.timeout_s and job.cpu >= job.timeout_s:
                    return ('timeout', 'CPU time limit exceeded (SIGKILL)')
                return ('memory', 'job killed by SIGKILL without a timeout '
                        'or cancel (most likely out of memory)')
            return ('submission', 'job killed by signal %s' % _signame(sig))
        if code in (70, 71, 72, 73, 74):
            return ('infrastructure', 'job supervisor failed (exit code %d)'
                    % code)
        return ('submission', 'job exited (code %d) without reporting a '
                'result' % code)

    def _finish(self, job):
        if job.finished:
            return
        job.finished = True
        job.marks['finish'] = time.monotonic()
        for fd in list(job.fds):
            self._read_job_fd(job, fd, drain=True)
            self._close_fd(job, fd)
        if job.sandboxed and not self.features.get('pidns'):
            sandbox.kill_job(job.pid, job.uid, sweep_uid=True)
        self.by_pid.pop(job.jpid, None)
        self.by_pid.pop(job.pid, None)
        wall = time.monotonic() - job.t0
        log = bytes(job.log[-LOG_MAX:]).decode('utf-8', 'replace')
        ev = {'event': 'result', 'job_id': job.job_id}
        res = job.result if isinstance(job.result, dict) else None
        if job.decision is not None:
            kind, reason = job.decision
            ev.update(ok=False, error_kind=kind, error=reason,
                      state_reached=job.state)
        elif res is not None and res.get('ok') is True:
            ev['ok'] = True
            if job.op == 'run':
                for k in ('full_train_predictions', 'test_predictions'):
                    v = res.get(k)
                    ev[k] = v if isinstance(v, str) else ''
        elif res is not None:
            kind = res.get('error_kind')
            if kind not in ERROR_KINDS:
                kind = 'submission'
            err = res.get('error')
            state = res.get('state_reached')
            if state not in ('TODO', 'TRAINED', 'VALIDATED'):
                state = job.state
            ev.update(ok=False, error_kind=kind,
                      error=err if isinstance(err, str) else repr(err),
                      state_reached=state)
        else:
            kind, reason = self._classify(job)
            ev.update(ok=False, error_kind=kind, error=reason,
                      state_reached=job.state)
        metrics = {}
        if job.op == 'run' and ev['ok']:
            m = res.get('metrics') if isinstance(res.get('metrics'),
                                                 dict) else {}
            for k in ('train_time', 'validation_time', 'test_time',
                      'train_cpu_time', 'test_cpu_time', 'train_memory',
                      'test_memory'):
                v = m.get(k)
                metrics[k] = v if isinstance(v, (int, float)) and \
                    not isinstance(v, bool) else None
        metrics['cpu_time_total'] = job.cpu
        metrics['wall_time_total'] = wall
        ev['metrics'] = metrics
        ev['log'] = log
        if job.uid is not None:
            ev['uid'] = job.uid
        ev['pid'] = job.pid
        # cleanup before reporting, so that "result" means "all gone"
        if job.remove_dir:
            shutil.rmtree(job.remove_dir, ignore_errors=True)
        if job.chown_back:
            sandbox.chown_tree(job.chown_back, os.geteuid(), os.getegid())
        mk = job.marks
        mk['cleaned'] = time.monotonic()
        for name, a, b in _SPANS:
            if a in mk and b in mk:
                metrics[name] = round((mk[b] - mk[a]) * 1e3, 3)
        self._release(job)
        self.jobs.pop(job.job_id, None)
        on_done = job.on_done
        if on_done is None:
            self.emit(ev)
        else:
            on_done(job, ev)
        if res is not None:
            for v in res.values():
                _wipe(v)
        for k in ('full_train_predictions', 'test_predictions'):
            _wipe(ev.get(k))
        _wipe(job.log)
        _wipe(job.resbuf)

    def _release(self, job):
        if job.slot is not None:
            self.slots.discard(job.slot)
            job.slot = None

    def shutdown(self):
        for job in list(self.jobs.values()):
            if job.decision is None:
                job.decision = ('cancelled', 'zygote shutting down')
            self._kill(job)
        deadline = time.monotonic() + 10
        while self.jobs and time.monotonic() < deadline:
            try:
                self.sel.select(0.05)
            except InterruptedError:
                pass
            self._drain_wake()
            self._reap()
            for job in list(self.jobs.values()):
                self._kill(job)
        for job in list(self.jobs.values()):   # could not reap in time
            job.p_done = job.j_done = True
            job.status = 0
            self._finish(job)


# optional metrics: (key, from mark, to mark), all in ms
_SPANS = (
    ('prefork_ms', 'cmd', 'fork'),
    ('fork_ms', 'fork', 'forked'),
    ('fork_parent_ms', 'fork', 'fork_ret'),
    ('child_init_ms', 'forked', 'p_start'),
    ('unshare_ms', 'p_start', 'unshared'),
    ('fork_j_ms', 'unshared', 'j_start'),
    ('prep_ms', 'j_start', 'prep'),
    ('mounts_ms', 'prep', 'mounts'),
    ('job_path_ms', 'mounts', 'job_path'),
    ('setuid_ms', 'job_path', 'setuid'),
    ('caps_ms', 'setuid', 'caps'),
    ('env_ms', 'caps', 'env'),
    ('rlimits_ms', 'env', 'rlimits'),
    ('setup_ms', 'fork', 'body'),
    ('body_ms', 'body', 'res'),
    ('fold_init_ms', 'body', 'fold_start'),
    ('fold_mods_ms', 'fold_start', 'mods'),
    ('fold_emit_ms', 'fold_end', 'res'),
    ('exit_ms', 'res', 'finish'),
    ('j_exit_ms', 'res', 'j_dead'),
    ('p_exit_ms', 'j_dead', 'reap_p'),
    ('reap_p_ms', 'res', 'reap_p'),
    ('teardown_ms', 'finish', 'cleaned'),
)


MADV_COLLAPSE = 25


def collapse_hugepages():
    """Best effort: turn the 2 MB-aligned parts of our anonymous memory
    (Python heap, numpy/pandas data) into transparent huge pages with
    MADV_COLLAPSE (Linux >= 6.1).  fork() then copies one PMD instead of
    512 PTEs for each, and a job's exit has that much less to tear down:
    about 1-2 ms less per job for a ~140 MB zygote.  A child's first write
    into such a page only splits its own mapping (4 KB copy-on-write, as
    before).  The VMAs are not marked MADV_HUGEPAGE, so later page faults
    (ours or a job's) still get normal pages.  Takes ~50 ms; called at
    start and after load."""
    if not _HUGEPAGES:
        return
    import ctypes
    libc = sandbox._libc
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    huge = 1 << 21
    try:
        with open('/proc/self/maps') as f:
            lines = f.read().splitlines()
    except OSError:
        return
    for line in lines:
        p = line.split()
        name = p[5] if len(p) > 5 else ''
        if name not in ('', '[heap]') or not p[1].startswith('rw'):
            continue
        a, b = (int(x, 16) for x in p[0].split('-'))
        a2 = (a + huge - 1) & ~(huge - 1)
        b2 = b & ~(huge - 1)
        if b2 > a2:
            # errors (old kernel, ineligible range, no free huge page) only
            # mean that this range keeps its small pages
            libc.madvise(a2, b2 - a2, MADV_COLLAPSE)


def _signame(sig):
    try:
        return signal.Signals(sig).name
    except ValueError:
        return str(sig)


def main():
    z = Zygote()
    collapse_hugepages()
    try:
        z.serve()
    except BrokenPipeError:
        # the service went away: take every job down with us
        for job in list(z.jobs.values()):
            z._kill(job)
        os._exit(1)
    os._exit(0)


if __name__ == '__main__':
    main()

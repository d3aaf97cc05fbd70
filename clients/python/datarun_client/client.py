"""The object API: one method per datarun endpoint, errors raised as DatarunError."""

import time

import requests

from .encoding import (PREDICTION_FIELDS, decode_predictions, encode_files, encode_indices,
                       jsonable, shape_predictions)
from .errors import DatarunError

__all__ = ['Client', 'FINAL_STATES', 'format_progress']

#: fold states after which nothing changes any more
FINAL_STATES = ('TESTED', 'ERROR')
#: every fold state, in the order a fold goes through them
FOLD_STATES = ('TODO', 'TRAINED', 'VALIDATED', 'TESTED', 'ERROR')


def format_progress(records):
    """A one-line summary of light fold records, e.g. ``'3/5 done (TESTED 3, TODO 2)'``."""
    counts = {}
    for r in records:
        counts[r['state']] = counts.get(r['state'], 0) + 1
    done = sum(counts.get(s, 0) for s in FINAL_STATES)
    order = list(FOLD_STATES) + sorted(s for s in counts if s not in FOLD_STATES)
    detail = ', '.join('%s %d' % (s, counts[s]) for s in order if counts.get(s))
    return '%d/%d done (%s)' % (done, len(records), detail)


class Client(object):
    """A datarun client.

    ``url``: the service, e.g. ``'http://127.0.0.1:8000/'`` (trailing slash or not);
    authentication with ``username``/``password`` (HTTP Basic) or a bearer
    ``token`` (``POST /runapp/tokens/``; sent as ``Authorization: Bearer``).
    ``timeout``: seconds for each HTTP request (``None``: no limit).

    Every method raises :class:`DatarunError` (with ``status`` and the server's
    ``error`` message) when the service answers 4xx/5xx, and returns the decoded
    JSON otherwise (``None`` for an empty answer).
    """

    def __init__(self, url, username=None, password=None, token=None, timeout=300.0,
                 session=None):
        if not url:
            raise ValueError('url is required, e.g. http://127.0.0.1:8000/')
        self.url = str(url).rstrip('/') + '/'
        self.username = username
        self.timeout = timeout
        self.session = session if session is not None else requests.Session()
        self._headers = {'Accept': 'application/json'}
        self._auth = None
        if token:
            self._headers['Authorization'] = 'Bearer %s' % token
        elif username is not None:
            self._auth = (username, password if password is not None else '')
        self._submission_raw_data = {}

    def __repr__(self):
        return 'Client(%r, username=%r)' % (self.url, self.username)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.session.close()

    # -- HTTP ---------------------------------------------------------------

    def request(self, method, path, json=None, params=None):
        """One request to ``path`` (relative to the service URL); the decoded JSON
        answer, ``None`` when empty (204); :class:`DatarunError` on 4xx/5xx."""
        url = self.url + path.lstrip('/')
        if params:
            params = {k: v for k, v in params.items() if v is not None}
        response = self.session.request(
            method, url, json=jsonable(json) if json is not None else None, params=params or None,
            headers=self._headers, auth=self._auth, timeout=self.timeout)
        if response.status_code >= 400:
            raise DatarunError.from_response(response)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise DatarunError('the service answered %d with a body that is not JSON: %.200s'
                               % (response.status_code, response.text),
                               status=response.status_code, body=response.text, response=response)

    def _get(self, path, **params):
        return self.request('GET', path, params=params)

    def _post(self, path, body):
        return self.request('POST', path, json=body)

    # -- service ------------------------------------------------------------

    def health(self):
        """``GET /health`` (no authentication needed)."""
        return self._get('health')

    def runners(self):
        """``GET /runapp/runners/``: the live runners."""
        return self._get('runapp/runners/')

    # -- tokens -------------------------------------------------------------

    def tokens(self):
        """``GET /runapp/tokens/``: the caller's bearer tokens (revoked ones included)."""
        return self._get('runapp/tokens/')

    def create_token(self, name=None):
        """``POST /runapp/tokens/``: a new token; its ``token`` field is shown only once."""
        return self._post('runapp/tokens/', {} if name is None else {'name': name})

    def revoke_token(self, token_id):
        """``DELETE /runapp/tokens/<id>/``."""
        return self.request('DELETE', 'runapp/tokens/%d/' % int(token_id))

    # -- datasets -----------------------------------------------------------

    def raw_data_list(self, limit=None, offset=None):
        """``GET /runapp/rawdata/``: every dataset (or a page of them)."""
        return self._get('runapp/rawdata/', limit=limit, offset=offset)

    def raw_data(self, raw_data_id):
        """``GET /runapp/rawdata/<id>/``: one dataset, its files, its latest split and,
        once split, ``n_train`` / ``n_test``."""
        return self._get('runapp/rawdata/%d/' % int(raw_data_id))

    def find_raw_data(self, name):
        """The dataset called ``name`` (from the list), or ``None``."""
        for r in self.raw_data_list():
            if r.get('name') == name:
                return r
        return None

    def create_raw_data(self, name, target_column, workflow_elements, files):
        """``POST /runapp/rawdata/``. ``files``: a list of paths (sent under their base
        names) or ``{filename: bytes}``. One file is stored as ``<name>.csv``; several,
        with one ``.py`` among them, make a custom dataset."""
        return self._post('runapp/rawdata/', {
            'name': name, 'target_column': target_column,
            'workflow_elements': workflow_elements, 'files': encode_files(files)})

    def post_data(self, data_name, target_column, workflow_elements, data_file, extra_files=None):
        """:func:`datarun_client.post_api.post_data`, as a method (returns the dataset)."""
        return self.create_raw_data(data_name, target_column, workflow_elements,
                                    [data_file] + list(extra_files or []))

    def split(self, raw_data_id, held_out_test, random_state=42):
        """``POST /runapp/rawdata/split/``: queue the split of a standard dataset
        (``train_test_split(df, test_size=held_out_test, random_state=random_state)``);
        returns ``{'task_id': ...}`` at once (see :meth:`wait_for_split`)."""
        return self._post('runapp/rawdata/split/', {
            'raw_data_id': raw_data_id, 'held_out_test': held_out_test,
            'random_state': random_state})

    def custom_split(self, raw_data_id):
        """``POST /runapp/rawdata/customsplit/``: queue ``specific.prepare_data`` of a
        custom dataset."""
        return self._post('runapp/rawdata/customsplit/', {'raw_data_id': raw_data_id})

    def wait_for_split(self, raw_data_id, timeout=300, poll=0.5):
        """Poll ``GET /runapp/rawdata/<id>/`` until the dataset is split; returns that
        record. A failed split raises :class:`DatarunError` (``status`` None) with the
        runner's error; ``TimeoutError`` after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            record = self.raw_data(raw_data_id)
            if record.get('split_done'):
                return record
            split = record.get('split')
            if split is None:
                raise DatarunError('RawData %s has no split requested: call split() or custom_split() first'
                                   % raw_data_id, body=record)
            if split.get('status') in ('error', 'cancelled'):
                raise DatarunError('the %s of RawData %s failed (%s): %s'
                                   % (split.get('kind', 'split'), raw_data_id, split.get('status'),
                                      split.get('error') or 'no message'), body=record)
            if time.monotonic() >= deadline:
                raise TimeoutError('RawData %s is not split after %s s (split %s)'
                                   % (raw_data_id, timeout, split.get('status')))
            time.sleep(poll)

    # -- submissions and folds ------------------------------------------------

    def submissions(self, limit=None, offset=None):
        """``GET /runapp/submission/``."""
        return self._get('runapp/submission/', limit=limit, offset=offset)

    def submission(self, submission_id):
        """``GET /runapp/submission/<id>/``: a submission, its files and folds."""
        return self._get('runapp/submission/%d/' % int(submission_id))

    def submission_folds(self, limit=None, offset=None):
        """``GET /runapp/submissionfold/``: every fold, all fields."""
        return self._get('runapp/submissionfold/', limit=limit, offset=offset)

    def submission_folds_light(self, limit=None, offset=None):
        """``GET /runapp/submissionfold-light/``: ``{databoard_sf_id, databoard_s, state,
        new}`` of every fold."""
        return self._get('runapp/submissionfold-light/', limit=limit, offset=offset)

    def submission_fold(self, submission_fold_id):
        """``GET /runapp/submissionfold/<id>/``: one fold (404 if unknown), with its
        runner, ``error_kind``, ``queue_position``..."""
        return self._get('runapp/submissionfold/%d/' % int(submission_fold_id))

    def create_submission_fold(self, sub_id, sub_fold_id, train_is, test_is, priority='L',
                               raw_data_id=None, files=None, force=None):
        """``POST /runapp/submissionfold/``: a fold (and its submission when new), queued.

        ``train_is`` / ``test_is``: integer arrays (rows of the train set).
        ``raw_data_id`` and ``files`` (paths, or ``{filename: bytes}``) are needed
        when the submission is new. ``force``: ``'submission, submission_fold'``
        replaces both, ``'submission_fold'`` only the fold.
        """
        body = {'databoard_sf_id': sub_fold_id, 'databoard_s_id': sub_id,
                'train_is': encode_indices(train_is), 'test_is': encode_indices(test_is)}
        if priority is not None:
            body['priority'] = priority
        if raw_data_id is not None:
            body['raw_data'] = raw_data_id
        if files:
            body['files'] = encode_files(files)
        if force:
            body['force'] = force
        return self._post('runapp/submissionfold/', body)

    def post_submission_fold(self, sub_id, sub_fold_id, train_is, test_is, priority='L',
                             raw_data_id=None, list_submission_files=None, force=None):
        """:func:`datarun_client.post_api.post_submission_fold`, as a method."""
        return self.create_submission_fold(sub_id, sub_fold_id, train_is, test_is, priority,
                                           raw_data_id, list_submission_files, force)

    def cancel_submission_fold(self, submission_fold_id):
        """``POST /runapp/submissionfold/<id>/cancel/``: dequeue a waiting fold or kill a
        running one (it ends in ``ERROR``, ``error_kind`` cancelled); 409 once finished."""
        return self._post('runapp/submissionfold/%d/cancel/' % int(submission_fold_id), {})

    def wait_for_folds(self, fold_ids, timeout=600, poll=0.5, on_progress=None):
        """Poll ``GET /runapp/submissionfold-light/`` until every fold of ``fold_ids`` is
        ``TESTED`` or ``ERROR``; returns their final light records, in the order of
        ``fold_ids``.

        ``on_progress(records)`` is called with the current light records of those
        folds at the first poll and whenever a state changes (see
        :func:`format_progress`). A fold id the service does not know raises
        :class:`DatarunError` (status 404); ``TimeoutError`` after ``timeout`` seconds.
        """
        ids = [int(i) for i in fold_ids]
        deadline = time.monotonic() + timeout
        last = None
        while True:
            by_id = {r['databoard_sf_id']: r for r in self.submission_folds_light()}
            missing = [i for i in ids if i not in by_id]
            if missing:
                raise DatarunError('unknown submission fold(s): %s' % ', '.join(map(str, missing)),
                                   status=404)
            records = [by_id[i] for i in ids]
            states = tuple(r['state'] for r in records)
            if on_progress is not None and states != last:
                on_progress(records)
            last = states
            if all(s in FINAL_STATES for s in states):
                return records
            if time.monotonic() >= deadline:
                waiting = [r['databoard_sf_id'] for r in records if r['state'] not in FINAL_STATES]
                raise TimeoutError('submission folds not finished after %s s (%s): %s'
                                   % (timeout, format_progress(records), self._why_waiting(waiting)))
            time.sleep(poll)

    def _why_waiting(self, fold_ids, at_most=10):
        """For a timeout message: what the detail of each unfinished fold says."""
        out = []
        for i in fold_ids[:at_most]:
            try:
                f = self.submission_fold(i)
            except Exception as e:  # the message must not hide the timeout
                out.append('%s (detail unavailable: %s)' % (i, e))
                continue
            if f.get('finished_at'):
                why = 'its job finished at %s but the fold still says %s' % (f['finished_at'], f['state'])
            elif f.get('waiting_for_split'):
                why = 'waiting for the split of its dataset'
            elif f.get('started_at'):
                why = '%s, running on %s since %s' % (f['state'], f.get('runner'), f['started_at'])
            elif f.get('queue_position') is not None:
                why = 'queued, position %s' % f['queue_position']
            else:
                why = f['state']
            out.append('%s (%s)' % (i, why))
        if len(fold_ids) > at_most:
            out.append('and %d more' % (len(fold_ids) - at_most))
        return '; '.join(out)

    # -- predictions ----------------------------------------------------------

    def predictions_list(self, submission_fold_ids):
        """``POST /runapp/testpredictions/list/``: the prediction records of those folds
        (any state); marks them handed out (``new`` false)."""
        return self._post('runapp/testpredictions/list/',
                          {'list_submission_fold': list(submission_fold_ids)}) or []

    def predictions_new(self, raw_data_id=None):
        """``POST /runapp/testpredictions/new/``: prediction records of the ``TESTED`` folds
        not handed out yet (of that dataset if given); marks them handed out."""
        return self._post('runapp/testpredictions/new/',
                          {} if raw_data_id is None else {'raw_data_id': raw_data_id})

    def raw_data_of_submission(self, submission_id):
        """The dataset record (``GET /runapp/rawdata/<id>/``) a submission trains on."""
        sid = int(submission_id)
        if sid not in self._submission_raw_data:
            self._submission_raw_data[sid] = self.submission(sid)['raw_data']
        return self.raw_data(self._submission_raw_data[sid])

    def predictions_array(self, record, which='test_predictions', n_rows=None, raw_data=None):
        """The predictions of a prediction record or fold as a numpy array: 1-D of
        ``n_rows`` for a regressor, ``n_rows x n_classes`` for a classifier, where
        ``n_rows`` is the dataset's ``n_test`` (``which='test_predictions'``) or
        ``n_train`` (``'full_train_predictions'``), fetched from the service unless
        given (``n_rows``, or ``raw_data``: a ``GET /runapp/rawdata/<id>/`` record)."""
        field = PREDICTION_FIELDS.get(which)
        if field is None:
            raise ValueError("which must be 'test_predictions' or 'full_train_predictions', not %r"
                             % (which,))
        encoded = record.get(field)
        if encoded is None:
            raise ValueError('fold %s (state %s) has no %s'
                             % (record.get('databoard_sf_id'), record.get('state'), field))
        flat = decode_predictions(encoded)
        if raw_data is None and n_rows is None:
            raw_data = self.raw_data_of_submission(record['databoard_s'])
        if n_rows is None:
            n_rows = raw_data.get('n_test' if field == 'test_predictions' else 'n_train')
            if n_rows is None:
                raise ValueError('RawData %s does not know its row counts yet (split_done=%s)'
                                 % (raw_data.get('id'), raw_data.get('split_done')))
        return shape_predictions(flat, n_rows, raw_data.get('workflow_elements') if raw_data else None)

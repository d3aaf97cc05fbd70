"""Polling helpers with the post_api calling convention (host_url, username, password)."""

from .client import Client

__all__ = ['wait_for_split', 'wait_for_folds']


def wait_for_split(host_url, username, password, raw_data_id, timeout=300, poll=0.5):
    """Wait until RawData ``raw_data_id`` is split (``post_split`` or
    ``custom_post_split`` answers at once; the split runs on a runner).

    Returns the dataset record of ``GET /runapp/rawdata/<id>/`` (with ``n_train``
    and ``n_test`` for a standard dataset). Raises ``DatarunError`` when the split
    failed (the runner's message) or the service refuses the request,
    ``TimeoutError`` after ``timeout`` seconds.
    """
    with Client(host_url, username, password) as client:
        return client.wait_for_split(raw_data_id, timeout=timeout, poll=poll)


def wait_for_folds(host_url, username, password, fold_ids, timeout=600, poll=0.5,
                   on_progress=None):
    """Poll ``/runapp/submissionfold-light/`` until every fold of ``fold_ids`` is
    ``TESTED`` or ``ERROR``; returns their final light records
    (``{databoard_sf_id, databoard_s, state, new}``) in the order of ``fold_ids``.

    ``on_progress(records)``, if given, is called at the first poll and whenever a
    state changes, with the current light records of those folds
    (``datarun_client.format_progress(records)`` makes a one-line summary).
    Raises ``DatarunError`` (status 404) for a fold the service does not know,
    ``TimeoutError`` after ``timeout`` seconds.
    """
    with Client(host_url, username, password) as client:
        return client.wait_for_folds(fold_ids, timeout=timeout, poll=poll, on_progress=on_progress)

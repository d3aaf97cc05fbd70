"""The wire encodings of the datarun protocol.

- a file's content: ``base64(zlib.compress(raw bytes))``, as a JSON string;
- fold indices (``train_is``, ``test_is``): ``base64(zlib(int64 little-endian))``;
- predictions: ``base64(zlib(float64 little-endian, C order))``; a classifier
  gives ``n_rows x n_classes`` probabilities, a regressor ``n_rows`` values.
"""

import base64
import os
import zlib

import numpy as np

__all__ = [
    'encode_bytes', 'decode_bytes', 'encode_file', 'encode_files',
    'encode_indices', 'decode_indices', 'decode_predictions',
    'shape_predictions', 'predictions_array', 'PREDICTION_FIELDS', 'jsonable',
]

#: the two prediction fields of a prediction record / fold, and their aliases
PREDICTION_FIELDS = {
    'test_predictions': 'test_predictions',
    'test': 'test_predictions',
    'full_train_predictions': 'full_train_predictions',
    'full_train': 'full_train_predictions',
    'train': 'full_train_predictions',
}


def jsonable(value):
    """``value`` with numpy scalars and arrays turned into Python ones (ids given as
    ``np.int64``, lists of ids as arrays), so that it serializes to JSON."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in value]
    return value


def encode_bytes(data):
    """``base64(zlib.compress(data))`` as a str (``str`` input is UTF-8 encoded)."""
    if isinstance(data, str):
        data = data.encode('utf-8')
    return base64.b64encode(zlib.compress(bytes(data))).decode('ascii')


def decode_bytes(encoded):
    """The inverse of :func:`encode_bytes`: the raw bytes."""
    return zlib.decompress(base64.b64decode(encoded))


def encode_file(path):
    """The content of the file at ``path`` (read as bytes), encoded for ``files``."""
    with open(path, 'rb') as f:
        return encode_bytes(f.read())


def encode_files(files):
    """A ``files`` object ``{filename: encoded}``.

    ``files`` is either a list of paths (each sent under its base name, as the old
    ``post_api`` did) or a mapping ``{filename: content}`` whose values are raw
    ``bytes`` (or ``str``, sent as UTF-8).
    """
    if files is None:
        return None
    if isinstance(files, (str, os.PathLike)):
        files = [files]
    if hasattr(files, 'items'):
        return {str(name): encode_bytes(content) for name, content in files.items()}
    out = {}
    for path in files:
        out[os.path.basename(os.fspath(path))] = encode_file(path)
    return out


def encode_indices(indices):
    """Fold indices as ``base64(zlib(int64 little-endian))``.

    Accepts a numpy array or any sequence of integers; a non-integer array is a
    ``TypeError`` (boolean masks too: pass ``np.flatnonzero(mask)``).
    """
    arr = np.asarray(indices)
    if arr.size == 0:
        arr = arr.astype('<i8')
    elif arr.dtype.kind not in 'iu':
        raise TypeError('indices must be integers, got an array of dtype %s' % arr.dtype)
    arr = np.ascontiguousarray(arr.ravel(), dtype='<i8')
    return base64.b64encode(zlib.compress(arr.tobytes())).decode('ascii')


def decode_indices(encoded):
    """The int64 array of ``encoded`` (``train_is``/``test_is`` of a fold)."""
    return np.frombuffer(decode_bytes(encoded), dtype='<i8').astype(np.int64)


def decode_predictions(encoded, n_columns=None):
    """Decode ``test_predictions`` / ``full_train_predictions``.

    Without ``n_columns``: the flat float64 array, as the old clients did
    (``np.frombuffer(zlib.decompress(b64decode(s)), dtype=float)``); with it, an
    array of shape ``(n_rows, n_columns)``.
    """
    if encoded is None:
        raise ValueError('no predictions to decode (the fold has not been tested)')
    flat = np.frombuffer(decode_bytes(encoded), dtype='<f8').astype(np.float64)
    if n_columns is None:
        return flat
    n_columns = int(n_columns)
    if n_columns <= 0 or flat.size % n_columns:
        raise ValueError('%d predictions cannot make rows of %d columns' % (flat.size, n_columns))
    return flat.reshape(-1, n_columns)


def _is_regression(workflow_elements):
    if not workflow_elements:
        return None
    elements = [e.strip() for e in str(workflow_elements).split(',')]
    if 'classifier' in elements or 'calibrator' in elements:
        return False
    if 'regressor' in elements:
        return True
    return None


def shape_predictions(flat, n_rows, workflow_elements=None):
    """Give the flat predictions of ``n_rows`` rows their shape.

    A regressor's predictions are 1-D (``n_rows``), a classifier's
    ``n_rows x n_classes``. When ``workflow_elements`` does not say (custom
    datasets), ``n_rows`` values are taken as 1-D and anything else as
    ``n_rows x (size // n_rows)``.
    """
    flat = np.asarray(flat, dtype=np.float64).ravel()
    n_rows = int(n_rows)
    regression = _is_regression(workflow_elements)
    if n_rows == 0:
        if flat.size:
            raise ValueError('%d predictions for 0 rows' % flat.size)
        return flat if regression is not False else flat.reshape(0, 0)
    if flat.size % n_rows:
        raise ValueError('%d predictions do not divide into %d rows' % (flat.size, n_rows))
    n_columns = flat.size // n_rows
    if regression is True:
        if n_columns != 1:
            raise ValueError('a regressor gives one value per row: %d predictions for %d rows'
                             % (flat.size, n_rows))
        return flat
    if regression is False:
        return flat.reshape(n_rows, n_columns)
    return flat if n_columns == 1 else flat.reshape(n_rows, n_columns)


def predictions_array(record, which='test_predictions', n_rows=None, raw_data=None, client=None):
    """The predictions of a prediction record (or fold) as a shaped numpy array.

    ``which``: ``'test_predictions'`` (rows of the test set, ``n_test``) or
    ``'full_train_predictions'`` (every row of the train set, ``n_train``).
    ``n_rows`` defaults to the dataset's ``n_test`` / ``n_train`` taken from
    ``raw_data``, a record of ``GET /runapp/rawdata/<id>/`` (which also tells
    classifier from regressor). Given a :class:`datarun_client.Client` as
    ``client``, that record is fetched when needed (see
    :meth:`datarun_client.Client.predictions_array`).
    """
    if client is not None:
        return client.predictions_array(record, which, n_rows=n_rows, raw_data=raw_data)
    field = PREDICTION_FIELDS.get(which)
    if field is None:
        raise ValueError("which must be 'test_predictions' or 'full_train_predictions', not %r" % (which,))
    encoded = record.get(field)
    if encoded is None:
        raise ValueError('fold %s (state %s) has no %s'
                         % (record.get('databoard_sf_id'), record.get('state'), field))
    workflow = raw_data.get('workflow_elements') if raw_data else None
    if n_rows is None and raw_data is not None:
        n_rows = raw_data.get('n_test' if field == 'test_predictions' else 'n_train')
    if n_rows is None:
        raise ValueError('the number of rows is unknown: pass n_rows, raw_data (GET /runapp/rawdata/<id>/ '
                         'of a split dataset) or client')
    return shape_predictions(decode_predictions(encoded), n_rows, workflow)

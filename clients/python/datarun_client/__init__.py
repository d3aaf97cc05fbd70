"""Python client of datarun, the service that trains scikit-learn submissions on
cross-validation folds (the RAMP datarun REST protocol).

Three ways to use it:

- the functions of datarun 0.2's ``post_api`` module, same signatures, each
  returning the ``requests.Response``::

      from datarun_client import post_api          # or: import datarun_client as post_api
      r = post_api.post_data(url, user, pw, 'iris', 'species', 'classifier', 'iris.csv')

- helpers: :func:`wait_for_split`, :func:`wait_for_folds`,
  :func:`decode_predictions`, :func:`predictions_array`, :func:`encode_indices`,
  :func:`encode_file`;

- the object API, :class:`Client`, whose methods raise :class:`DatarunError`.
"""

from .client import FINAL_STATES, Client, format_progress
from .encoding import (decode_bytes, decode_indices, decode_predictions, encode_bytes,
                       encode_file, encode_files, encode_indices, predictions_array,
                       shape_predictions)
from .errors import DatarunError
from . import post_api
from .post_api import (custom_post_split, get_prediction_list, get_prediction_new,
                       get_raw_data, get_submission_fold, get_submission_fold_detail,
                       get_submission_fold_light, post_data, post_split,
                       post_submission_fold, read_compress)
from .wait import wait_for_folds, wait_for_split

__version__ = '0.3.0'

__all__ = [
    # post_api
    'post_data', 'post_split', 'custom_post_split', 'post_submission_fold',
    'get_prediction_list', 'get_prediction_new', 'get_raw_data', 'get_submission_fold',
    'get_submission_fold_light', 'get_submission_fold_detail', 'read_compress', 'post_api',
    # helpers
    'wait_for_split', 'wait_for_folds', 'format_progress', 'FINAL_STATES',
    'encode_bytes', 'decode_bytes', 'encode_file', 'encode_files', 'encode_indices',
    'decode_indices', 'decode_predictions', 'shape_predictions', 'predictions_array',
    # object API
    'Client', 'DatarunError',
]

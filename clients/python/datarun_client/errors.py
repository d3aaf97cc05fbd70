"""The exception the object API raises."""

__all__ = ['DatarunError']


class DatarunError(Exception):
    """An error answered by datarun (``status`` 4xx/5xx), or a job that failed.

    Attributes:

    - ``status``: the HTTP status (``None`` when the error is not an HTTP answer,
      e.g. a split that failed on the runner);
    - ``message`` (also ``error``): the server's one-sentence ``error``;
    - ``fields``: ``{field: [messages]}`` when the server named offending fields;
    - ``body``: the decoded JSON body (or the text), ``response``: the
      ``requests.Response`` when there is one.
    """

    def __init__(self, message, status=None, fields=None, body=None, response=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.fields = fields or {}
        self.body = body
        self.response = response

    @property
    def error(self):
        return self.message

    @property
    def status_code(self):
        return self.status

    def __str__(self):
        if self.status is None:
            return self.message
        return 'HTTP %d: %s' % (self.status, self.message)

    @classmethod
    def from_response(cls, response):
        """The error of a 4xx/5xx ``requests.Response``."""
        try:
            body = response.json()
        except ValueError:
            body = response.text
        message = None
        fields = None
        if isinstance(body, dict):
            message = body.get('error')
            if not isinstance(message, str):
                message = body.get('detail') or body.get('message') or message
            if isinstance(body.get('fields'), dict):
                fields = body['fields']
        if isinstance(message, list):
            message = '; '.join(str(m) for m in message)
        if not message:
            text = body if isinstance(body, str) else ''
            message = text.strip()[:500] or response.reason or 'HTTP error'
        return cls(str(message), status=response.status_code, fields=fields, body=body,
                   response=response)

import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { ApiError, type ApiErrorBody } from './api-error.js';
import { DecodeError } from './codec.js';

/** Turns every error into the ApiErrorBody shape; anything unexpected is a logged 500. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    if (body.statusCode === HttpStatus.UNAUTHORIZED) res.setHeader('WWW-Authenticate', 'Basic realm="datarun", charset="UTF-8"');
    res.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): ApiErrorBody {
    if (exception instanceof DecodeError) {
      return { statusCode: exception.status, error: exception.message, fields: { [exception.field]: [exception.message] } };
    }
    if (exception instanceof HttpException) {
      if (exception instanceof ApiError) return exception.getResponse() as ApiErrorBody;
      const status = exception.getStatus();
      const resp = exception.getResponse();
      const message = typeof resp === 'string' ? resp : (resp as { message?: unknown }).message;
      return { statusCode: status, error: Array.isArray(message) ? message.join('; ') : String(message ?? exception.message) };
    }
    // body-parser errors carry their HTTP status (400 malformed JSON, 413 too large, 415 charset)
    const e = exception as { status?: number; type?: string; message?: string };
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      const error =
        e.type === 'entity.parse.failed' ? `Malformed JSON in request body: ${e.message}`
        : e.type === 'entity.too.large' ? 'Request body is larger than DATARUN_MAX_BODY_MB'
        : (e.message ?? 'Bad request');
      return { statusCode: e.status, error };
    }
    this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    return { statusCode: 500, error: 'Internal server error' };
  }
}

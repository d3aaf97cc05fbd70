import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * Every error datarun answers has this body: `error` says what is wrong in one sentence
 * (old clients read it), `fields` lists messages per offending field.
 */
export interface ApiErrorBody {
  statusCode: number;
  error: string;
  fields?: Record<string, string[]>;
}

export class ApiError extends HttpException {
  constructor(status: HttpStatus | number, error: string, fields?: Record<string, string[]>) {
    super({ statusCode: status, error, ...(fields ? { fields } : {}) } satisfies ApiErrorBody, status);
  }

  static field(status: HttpStatus | number, field: string, message: string): ApiError {
    return new ApiError(status, message, { [field]: [message] });
  }
}

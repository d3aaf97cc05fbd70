import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform, ValidationError, ValidationPipe } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ApiError } from './api-error.js';

/** Integers may come as JSON numbers or as decimal strings (the old Django API accepted both). */
export const ToInt = () =>
  Transform(({ value }) => (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value));

export const ToNumber = () =>
  Transform(({ value }) => (typeof value === 'string' && value.trim() !== '' && !isNaN(Number(value)) ? Number(value) : value));

export const MAX_INT32 = 2_147_483_647;

function flatten(errors: ValidationError[], prefix = ''): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const err of errors) {
    const key = prefix + err.property;
    if (err.constraints) out[key] = Object.values(err.constraints);
    Object.assign(out, flatten(err.children ?? [], key + '.'));
  }
  return out;
}

/** Validation failures answer 400 with one message per field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    stopAtFirstError: true,
    exceptionFactory: (errors): BadRequestException => {
      const fields = flatten(errors);
      const summary = Object.values(fields).flat().join('; ');
      return new ApiError(400, summary || 'Invalid request', fields) as unknown as BadRequestException;
    },
  });
}

/** Path ids: a non-negative int32, else 400 naming the parameter (never a database error). */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, number> {
  transform(value: string, meta: ArgumentMetadata): number {
    const n = /^\d{1,10}$/.test(value) ? Number(value) : NaN;
    const field = meta.data ?? 'id';
    if (!(n <= MAX_INT32)) throw ApiError.field(400, field, `${field} must be an integer between 0 and ${MAX_INT32}`);
    return n;
  }
}

import { applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBasicAuth, ApiBearerAuth, ApiUnauthorizedResponse } from '@nestjs/swagger';

/** What every /runapp/ controller shares in the OpenAPI document. */
export const RunappApi = () =>
  applyDecorators(
    ApiBasicAuth(),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'Missing or wrong credentials (WWW-Authenticate: Basic)' }),
    ApiBadRequestResponse({ description: '{"statusCode": 400, "error": "...", "fields": {"<field>": ["..."]}}' }),
  );

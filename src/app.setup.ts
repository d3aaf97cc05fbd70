import { Logger, type LoggerService, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module.js';
import { HttpExceptionFilter } from './common/http-exception.filter.js';
import { requestLogger } from './common/request-logger.middleware.js';
import { createValidationPipe } from './common/validation.js';
import type { AppConfig } from './config/app-config.js';

/** Builds the HTTP application: the service's main.ts and the end-to-end tests share it. */
export async function createApp(config: AppConfig, databaseUrl: string, logger?: LoggerService | LogLevel[] | false): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, databaseUrl), {
    bodyParser: false,
    logger: logger ?? ['log', 'warn', 'error'],
  });
  if (config.logRequests) app.use(requestLogger);
  // One JSON parser with our limit; bodies over it answer 413.
  app.useBodyParser('json', { limit: config.maxBodyBytes });
  app.useGlobalFilters(new HttpExceptionFilter());
  app.useGlobalPipes(createValidationPipe());
  setupSwagger(app);
  return app;
}

function setupSwagger(app: NestExpressApplication): void {
  const doc = new DocumentBuilder()
    .setTitle('datarun')
    .setDescription(
      'Trains and tests machine-learning submissions on cross-validation folds (the RAMP datarun protocol).\n\n' +
        'Files and index arrays travel as base64(zlib(bytes)); indices are int64 little-endian, predictions float64 little-endian.\n\n' +
        'Authenticate with HTTP Basic (`-u username:password`) or `Authorization: Bearer <token>` (POST /runapp/tokens/).',
    )
    .setVersion('0.3')
    .addBasicAuth()
    .addBearerAuth()
    .build();
  const document = SwaggerModule.createDocument(app, doc);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  new Logger('Swagger').log('Swagger UI at /docs, OpenAPI JSON at /docs-json');
}

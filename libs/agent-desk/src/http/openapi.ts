import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

/** The OpenAPI document of `/api` (also the source of the desk web app's generated types). */
export function createAgentDeskOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('ccm agent API')
      .setDescription(
        'Agent desk and chat-server bridge API. Errors always have the shape `{ "error": { "code", "message", "details"? } }`. ' +
          'Realtime events: Socket.IO namespace `/desk` with `auth: { token }`.',
      )
      .setVersion('1')
      .addBearerAuth()
      .addApiKey({ type: 'apiKey', in: 'header', name: 'x-admin-key' }, 'admin-key')
      .addApiKey(
        { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'CHAT_SERVER_API_KEY (external bridge)' },
        'chat-server-key',
      )
      .build(),
    { include: [] },
  );
  // Only the /api routes belong in this document (not Meta's webhook).
  document.paths = Object.fromEntries(Object.entries(document.paths).filter(([path]) => path.startsWith('/api/')));
  return document;
}

/**
 * Serves the OpenAPI document of `/api` at `/api/docs` (UI) and `/api/docs-json`. The document is
 * built on the first request for it (a factory), not at start-up: most processes are never asked,
 * and would otherwise hold it for their whole life.
 */
export function setupAgentDeskOpenApi(app: INestApplication): void {
  SwaggerModule.setup('api/docs', app, () => createAgentDeskOpenApiDocument(app));
}

/** The floor servers the HTTP figures are read against, by the name the bench passes in FLOOR_KIND. */
export const HTTP_FLOOR_KINDS = ['node_http', 'fastify_schema', 'nest_dto'] as const;

export type HttpFloorKind = (typeof HTTP_FLOOR_KINDS)[number];

/** Loads only the floor asked for, so the node:http floor's process never loads Fastify or Nest. */
async function startFloor(kind: HttpFloorKind, port: number, host: string): Promise<void> {
  switch (kind) {
    case 'node_http':
      return (await import('./node-http-floor')).startNodeHttpFloor(port, host);
    case 'fastify_schema':
      return (await import('./fastify-schema-floor')).startFastifySchemaFloor(port, host);
    case 'nest_dto':
      return (await import('./nest-dto-floor')).startNestDtoFloor(port, host);
  }
}

/** Entry point of a floor server process: `FLOOR_KIND=node_http PORT=… HOST=… node http-floor-server.js`. */
if (require.main === module) {
  const kind = process.env.FLOOR_KIND as HttpFloorKind;
  if (!HTTP_FLOOR_KINDS.includes(kind))
    throw new Error(`FLOOR_KIND must be one of ${HTTP_FLOOR_KINDS.join(', ')}`);
  startFloor(kind, Number(process.env.PORT), process.env.HOST ?? '127.0.0.1').catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}

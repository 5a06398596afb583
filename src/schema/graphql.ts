import { readFileSync } from 'node:fs';

/** The GraphQL SDL the server serves (src/schema/schema.graphql; the build copies it next to this module). */
export const typeDefs = readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

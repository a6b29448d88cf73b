import { labJsonSchema } from '../lab/schema.js';

export async function schemaCommand(): Promise<void> {
  console.log(JSON.stringify(labJsonSchema(), null, 2));
}

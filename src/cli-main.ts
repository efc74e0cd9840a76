// Process entry of the CLI (bin/tagbridge.js); cli.ts stays importable by tests without side effects.
import { main } from './cli.js';

await main(process.argv.slice(2));

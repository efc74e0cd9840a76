// Process entry of the CLI (bin/tagbridge.js); cli/index.ts stays importable by tests without side effects.
import { main } from './cli/index.js';

await main(process.argv.slice(2));

import type { App, AppDeps } from '../app.js';
import { registerEventsCreate } from './events.create.js';
import { registerHealth } from './health.js';
import { registerMetrics } from './metrics.js';
import { registerPmwEventsCreate } from './pmw-events.create.js';

/** Every operation of the service; one file each. */
export async function registerRoutes(app: App, deps: AppDeps): Promise<void> {
  registerHealth(app, deps);
  registerMetrics(app, deps);
  registerEventsCreate(app, deps);
  registerPmwEventsCreate(app, deps);
}

import type { AppDeps } from '../../app-deps.js';
import { SIGN_IN_PATH, sendHtml, signInPage } from '../auth/pages.js';
import type { App } from '../types.js';

export function registerSignInGet(app: App, _deps: AppDeps): void {
  app.get(
    SIGN_IN_PATH,
    {
      schema: {
        hide: true,
        description: 'HTML: the sign-in form. It posts the address to POST /v1/auth/login (form-urlencoded).',
      },
    },
    async (_request, reply) => sendHtml(reply, 200, signInPage()),
  );
}

/** What the `/v1/feeds…` routes share: the id parameter and the roles. */
import { Type } from 'typebox';

export const FeedParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100, description: 'The feed id (fed_…).' }),
});

/** Reading feeds: any member of the org; writing them: admins. */
export const FEED_READ_ROLE = 'viewer' as const;
export const FEED_WRITE_ROLE = 'admin' as const;

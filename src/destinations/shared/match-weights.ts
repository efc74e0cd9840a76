/**
 * Match weights shared by the platforms that read the same contact block. Relative values follow the
 * platforms' own guidance (Meta's Event Match Quality, TikTok's and Pinterest's match keys): email and phone
 * match on their own; a platform's click id and browser id, and the shop's customer id, nearly so; IP and
 * user agent only together; name, address, gender and birth date only in combination with others.
 */
import type { UserDataKey } from '../contract.js';

type Weights = Readonly<Partial<Record<UserDataKey, number>>>;

/** Email, phone and the shop's customer id: what identifies the person wherever they are. */
export const PERSONAL_ID_WEIGHTS: Weights = {
  email: 3,
  phone: 3,
  externalId: 1.5,
};

export const CONTACT_WEIGHTS: Weights = {
  ...PERSONAL_ID_WEIGHTS,
  ipAddress: 0.5,
  userAgent: 0.5,
};

export const PERSON_WEIGHTS: Weights = {
  firstName: 0.25,
  lastName: 0.25,
  city: 0.25,
  state: 0.25,
  zip: 0.25,
  country: 0.25,
};

/** Meta's contact block (also Snapchat's and Pinterest's): the person fields plus gender and birth date. */
export const META_STYLE_WEIGHTS: Weights = {
  ...CONTACT_WEIGHTS,
  ...PERSON_WEIGHTS,
  gender: 0.25,
  dateOfBirth: 0.25,
};

/**
 * Test support: real IAB TCF v2.2 strings, encoded by the IAB's own library, with chosen purpose consents.
 * Encoding needs a Global Vendor List; a minimal one (the eleven purposes, Google as vendor 755) stands in
 * for the published list, which cannot be fetched here. Decoding — what the service does — needs none.
 */
import { GVL, TCModel, TCString } from '@iabtechlabtcf/core';

const purpose = (id: number) => ({ id, name: `Purpose ${id}`, description: '', illustrations: [] });

const MINIMAL_GVL = {
  gvlSpecificationVersion: 3,
  vendorListVersion: 100,
  tcfPolicyVersion: 5,
  lastUpdated: '2026-01-01T00:00:00Z',
  purposes: Object.fromEntries([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((id) => [id, purpose(id)])),
  specialPurposes: {},
  features: {},
  specialFeatures: {},
  stacks: {},
  dataCategories: {},
  vendors: {
    755: {
      id: 755,
      name: 'Google Advertising Products',
      purposes: [1, 3, 4, 7],
      legIntPurposes: [],
      flexiblePurposes: [],
      specialPurposes: [],
      features: [],
      specialFeatures: [],
      usesCookies: true,
      cookieRefresh: false,
      usesNonCookieAccess: false,
      cookieMaxAgeSeconds: 34190000,
      deviceStorageDisclosureUrl: '',
      urls: [],
      dataRetention: {},
    },
  },
};

/** A TC string whose shopper consented to exactly `purposes` (and to vendor 755). */
export function tcStringWith(purposes: number[]): string {
  const model = new TCModel(new GVL(MINIMAL_GVL as unknown as ConstructorParameters<typeof GVL>[0]));
  model.cmpId = 10;
  model.cmpVersion = 1;
  model.consentScreen = 1;
  model.publisherCountryCode = 'DE';
  model.purposeConsents.set(purposes);
  model.vendorConsents.set([755]);
  return TCString.encode(model);
}

/**
 * Where the shop plugin's settings entry keeps the fields most platforms share, given the key it nests a
 * platform's server-side settings under (`facebook.capi.token`, `tiktok.eapi.token`…).
 */

export function tokenPaths(nest: string): string[] {
  return ['access_token', 'accessToken', 'token', `${nest}.token`, `${nest}.access_token`];
}

export function testCodePaths(nest: string): string[] {
  return ['test_event_code', 'testEventCode', `${nest}.test_event_code`];
}

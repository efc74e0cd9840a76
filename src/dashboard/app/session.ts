/** The signed-in user and their role in the current org, for every page. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Me, Role } from './api.js';

export interface Session {
  me: Me;
  role: Role;
  can: (min: Role) => boolean;
}
export const SessionContext = createContext<Session | null>(null);
export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('no session');
  return s;
}

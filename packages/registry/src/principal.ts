/** Who is acting: the tenant and role an API key is bound to, and how entries name the key (schemas in @medslim/contracts). */
export { ROLES, roleAtLeast, type Actor, type Principal, type Role } from '@medslim/contracts';

/** The view of a pixel key the three pixel-key routes answer with (the key itself only on create). */
import { Type } from 'typebox';

export const PixelKeySchema = Type.Object({
  id: Type.String({ description: 'pxk_…: the id of the key record (not the key).' }),
  name: Type.String(),
  keyPreview: Type.String({ description: 'pk_abcd…wxyz: the key’s first and last characters.' }),
  domainId: Type.String(),
  createdAt: Type.Integer({ description: 'Epoch ms.' }),
  lastUsedAt: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Epoch ms of the last collect request, updated at most once a minute.',
  }),
  revokedAt: Type.Union([Type.Integer(), Type.Null()]),
  status: Type.Union([Type.Literal('active'), Type.Literal('revoked')]),
});

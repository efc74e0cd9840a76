/** Schemas shared by the public API's operations (error body, rate-limit headers), for the OpenAPI document. */
import { Type } from 'typebox';
import { ERROR_CODES } from '../errors.js';

export const API_TAG = 'Public API';
export const BEARER_SECURITY = [{ bearerAuth: [] }];

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.Enum(Object.keys(ERROR_CODES), { description: 'One of the closed set of error codes.' }),
      message: Type.String(),
      details: Type.Record(Type.String(), Type.Unknown()),
    }),
  },
  { description: 'The one error body of every surface.' },
);

/** Responses every public API operation may give besides its success. */
export const API_ERROR_RESPONSES = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  429: ErrorResponse,
};

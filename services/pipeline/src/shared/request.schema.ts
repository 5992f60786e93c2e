import { invalidRequest, uuid } from '@leads/service';
import { z } from 'zod';

export const idParams = z.object({ id: uuid });

/** A 400 problem naming one field. */
export const invalidField = (field: string, reason: string) => invalidRequest([{ field, reason }]);

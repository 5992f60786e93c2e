import { z } from 'zod';

const email = z.string().trim().toLowerCase().max(254).pipe(z.email({ error: 'must be an email address' }));

export const signUpSchema = z.strictObject({
  workspaceName: z.string().trim().min(1).max(100),
  email,
  password: z.string().min(10, { error: 'must be at least 10 characters' }).max(200),
});

export const logInSchema = z.strictObject({
  email,
  password: z.string().min(1).max(200),
});

export const createApiKeySchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
});

export type SignUp = z.infer<typeof signUpSchema>;
export type LogIn = z.infer<typeof logInSchema>;

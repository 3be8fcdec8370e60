import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** Identifies this process as a lease holder; unique across instances and restarts. */
export const INSTANCE_ID = `${hostname().slice(0, 32)}-${process.pid}-${randomBytes(3).toString('hex')}`;

import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'datarun:isPublic';
/** Marks a route that needs no credentials (health). Everything else does. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

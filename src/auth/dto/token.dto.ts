import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { ApiToken } from '../api-token.entity.js';

export class CreateTokenDto {
  @ApiPropertyOptional({ example: 'databoard', maxLength: 100, description: 'A label to recognise the token by' })
  @IsOptional() @IsString() @MaxLength(100)
  name?: string;
}

export class TokenDto {
  @ApiProperty({ example: 3 }) id: number;
  @ApiProperty({ example: 'databoard' }) name: string;
  @ApiProperty() created_at: string;
  @ApiProperty({ nullable: true, type: String }) last_used_at: string | null;
  @ApiProperty({ nullable: true, type: String }) revoked_at: string | null;

  static from(t: ApiToken): TokenDto {
    return {
      id: t.id,
      name: t.name,
      created_at: t.createdAt.toISOString(),
      last_used_at: t.lastUsedAt?.toISOString() ?? null,
      revoked_at: t.revokedAt?.toISOString() ?? null,
    };
  }
}

export class CreatedTokenDto extends TokenDto {
  @ApiProperty({ example: 'drt_3q2+7w…', description: 'Send as `Authorization: Bearer <token>`. Shown only once.' })
  token: string;
}

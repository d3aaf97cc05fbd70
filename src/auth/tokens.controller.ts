import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ParseIdPipe } from '../common/validation.js';
import { ApiBasicAuth, ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiError } from '../common/api-error.js';
import type { AuthedRequest } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { CreatedTokenDto, CreateTokenDto, TokenDto } from './dto/token.dto.js';

@ApiTags('auth')
@ApiBasicAuth()
@ApiBearerAuth()
@Controller('runapp/tokens')
export class TokensController {
  constructor(private readonly auth: AuthService) {}

  @Get()
  @ApiOkResponse({ type: [TokenDto], description: "The caller's tokens (revoked ones included)" })
  async list(@Req() req: AuthedRequest): Promise<TokenDto[]> {
    return (await this.auth.listTokens(req.user.id)).map(TokenDto.from);
  }

  @Post()
  @ApiCreatedResponse({ type: CreatedTokenDto, description: 'A new bearer token for the caller' })
  async create(@Req() req: AuthedRequest, @Body() body: CreateTokenDto): Promise<CreatedTokenDto> {
    const { token, row } = await this.auth.createToken(req.user.id, body.name ?? '');
    return { ...TokenDto.from(row), token };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiNotFoundResponse({ description: 'No such active token of the caller' })
  async revoke(@Req() req: AuthedRequest, @Param('id', ParseIdPipe) id: number): Promise<void> {
    if (!(await this.auth.revokeToken(id, req.user.id))) throw ApiError.field(404, 'id', `No active token ${id}`);
  }
}

import { IsIn, IsInt, IsNumber, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { ROUTING_POLICIES, RoutingPolicy } from '@app/core';

export class SetPageTokenDto {
  @IsString()
  @MinLength(10)
  accessToken!: string;
}

export class UpdateRoutingDto {
  @IsOptional()
  @IsIn(ROUTING_POLICIES as string[], { message: `policy must be one of ${ROUTING_POLICIES.join(', ')}` })
  policy?: RoutingPolicy;

  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  confidenceThreshold?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  lowConfidenceTurns?: number;
}

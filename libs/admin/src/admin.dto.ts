import { IsString, MinLength } from 'class-validator';

export class SetPageTokenDto {
  @IsString() @MinLength(10)
  accessToken!: string;
}

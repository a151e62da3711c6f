import { ApiProperty } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { MAX_WEBHOOK_URL_LENGTH, WEBHOOK_KINDS } from '@ledger/domain';
import { IdField } from '../http/fields';

export class RegisterWebhookDto {
  @IdField(
    'Optional: the webhook id, chosen by the caller so a retry of this request replays (200) instead of making a second webhook. Default: a new id.',
    { optional: true, example: 'wh-billing' },
  )
  webhookId?: string;

  @ApiProperty({
    description: `Where deliveries are POSTed: http(s), at most ${MAX_WEBHOOK_URL_LENGTH} characters; private and loopback addresses refused unless LEDGER_WEBHOOK_ALLOW_PRIVATE=true.`,
    example: 'https://hooks.example.com/ledger',
  })
  @IsString()
  @MaxLength(MAX_WEBHOOK_URL_LENGTH)
  url!: string;

  @ApiProperty({
    description: 'The notification kinds to receive.',
    enum: WEBHOOK_KINDS,
    isArray: true,
    example: ['window.threshold', 'topup.requested'],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(WEBHOOK_KINDS.length)
  @ArrayUnique()
  @IsIn(WEBHOOK_KINDS, {
    each: true,
    message: `each of $property must be one of ${WEBHOOK_KINDS.join(', ')}`,
  })
  kinds!: string[];
}

export class WebhookIdParam {
  @IdField('The webhook.', { example: 'wh-billing' })
  webhookId!: string;
}

export class DeliveryParams extends WebhookIdParam {
  @ApiProperty({
    description: 'The delivery (from the delivery log).',
    example: 'dlv_0123456789abcdef0123456789abcdef',
  })
  @IsString()
  @MaxLength(128)
  deliveryId!: string;
}

export class DeliveriesQueryDto {
  @ApiProperty({ required: false, description: 'nextCursor of the previous page', example: '42.0' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{1,19}\.\d{1,6}$/, { message: '$property must be a nextCursor returned by a previous page' })
  cursor?: string;

  @ApiProperty({ required: false, description: 'Items per page, 1–1000 (default 100)', example: '100' })
  @IsOptional()
  @IsString()
  @Matches(/^(?:[1-9]\d{0,2}|1000)$/, { message: '$property must be an integer from 1 to 1000' })
  limit?: string;
}

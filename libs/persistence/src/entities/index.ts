import { CanonicalFactEntity } from './canonical-fact.entity';
import { ExchangeClientEntity } from './exchange-client.entity';
import { ExchangeReceiptEntity } from './exchange-receipt.entity';
import { InboundMessageEntity } from './inbound-message.entity';
import { IntakeBatchEntity } from './intake-batch.entity';

export { CanonicalFactEntity, ExchangeClientEntity, ExchangeReceiptEntity, InboundMessageEntity, IntakeBatchEntity };
export const ENTITIES = [ExchangeClientEntity, IntakeBatchEntity, InboundMessageEntity, CanonicalFactEntity, ExchangeReceiptEntity];

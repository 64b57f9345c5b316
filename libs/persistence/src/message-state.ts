/** A message's state: not a column; the `message_state` view derives it from the processed receipt and the dead letter. */
export type MessageState = 'accepted' | 'processed' | 'dead';

export * from './assessment.service';
export * from './assessment.module';
export * from './scoreboard-workbook';
export * from './scoreboard-queries';
export * from './ledger-workbook';
export * from './ledger.service';
export * from './responsibility-letters.service';
export { DOCX_CONTENT_TYPE } from './responsibility-letter-docx';

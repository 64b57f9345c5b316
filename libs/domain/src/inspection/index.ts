export * from './survey-types';

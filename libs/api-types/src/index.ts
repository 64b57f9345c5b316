/** The staff API's request and response types: the one source the api and the console both compile against. */
export * from './staff-api';
export * from './survey-api';

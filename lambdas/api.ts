export { handler } from '../src/api/lambda.ts';

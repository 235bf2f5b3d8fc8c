export { handler } from '../src/aws/scheduled-report-handler.ts';

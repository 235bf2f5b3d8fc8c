export { handler } from '../src/aws/failure-notifier-handler.ts';

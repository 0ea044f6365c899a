export { default } from './infra/stack.ts';

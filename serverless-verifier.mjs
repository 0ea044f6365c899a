export { default } from './infra/verifier.ts';

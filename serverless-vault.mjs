export { default } from './infra/vault.ts';

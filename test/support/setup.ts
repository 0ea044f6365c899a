import 'aws-sdk-client-mock-vitest/extend';
import { setDataDirTemplateSource } from '../../src/local-cloud/data-dir-template.ts';
import { sharedDataDirTemplate } from './data-dir-template.ts';

setDataDirTemplateSource(sharedDataDirTemplate);

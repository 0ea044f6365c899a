// asl-validator ships JavaScript only: the part of its API the tests use
// (node_modules/asl-validator/src/validator.ts and types.ts).
declare module 'asl-validator' {
  interface ValidationOptions {
    /** JSONPath syntax of InputPath, OutputPath, ResultPath, Parameters and the like. */
    readonly checkPaths: boolean;
    /** Every Task Resource is an ARN (or a `${Placeholder}` left for deployment). */
    readonly checkArn: boolean;
  }

  interface StateMachineError {
    readonly 'Error code': string;
    readonly Message: string;
  }

  interface ValidationResult {
    readonly isValid: boolean;
    readonly errors: readonly StateMachineError[];
    errorsText(separator?: string): string;
  }

  function validateStateMachine(definition: object, options?: ValidationOptions): ValidationResult;
  export = validateStateMachine;
}

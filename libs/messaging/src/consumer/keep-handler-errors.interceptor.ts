import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { catchError, throwError, type Observable } from 'rxjs';

/**
 * Nest's RPC exception filter replaces an unknown handler error with a generic
 * "Internal server error". Wrapping it in an RpcException lets the original error reach the
 * transport, which needs its class (retryable or not) and message (for the DLQ headers).
 */
@Injectable()
export class KeepHandlerErrorsInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    return next
      .handle()
      .pipe(catchError((error: unknown) => throwError(() => (error instanceof RpcException ? error : new RpcException(error as object)))));
  }
}

import { Module } from '@nestjs/common';
import { IpGeolocation } from './ip-geolocation.provider';

/** `IpGeolocation`, opened once at boot (the app is not ready before the databases are read). */
@Module({
  providers: [{ provide: IpGeolocation, useFactory: () => IpGeolocation.open() }],
  exports: [IpGeolocation],
})
export class GeolocationModule {}

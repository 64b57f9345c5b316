// The exchange monitor and the staff directory, registered by ApiModule.
export { MonitorController } from './monitor.controller';
export { StaffDirectoryController } from './staff-directory.controller';

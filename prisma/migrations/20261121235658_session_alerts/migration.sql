-- AlterTable
ALTER TABLE "IxpSession" ADD COLUMN     "alertedAt" TIMESTAMP(3),
ADD COLUMN     "alertedState" TEXT;

-- AlterTable
ALTER TABLE "DirectSession" ADD COLUMN     "alertedAt" TIMESTAMP(3),
ADD COLUMN     "alertedState" TEXT;

-- AlterTable
ALTER TABLE "ChangeRequest" ALTER COLUMN "routerId" DROP NOT NULL;

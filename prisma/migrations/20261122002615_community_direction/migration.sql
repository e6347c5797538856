-- CreateEnum
CREATE TYPE "CommunityDirection" AS ENUM ('ingress', 'egress');

-- AlterTable
ALTER TABLE "Community" ADD COLUMN     "direction" "CommunityDirection" NOT NULL DEFAULT 'ingress';

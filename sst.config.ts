/// <reference path="./.sst/platform/config.d.ts" />
/**
 * medslim on AWS (SST v3/v4): `npx sst deploy --stage prod`. See docs/deploy-aws.md.
 *
 *   Store (S3, versioned, encrypted, private) ← uploads, artifacts, the registry
 *   Api   (Lambda + function URL, functions/api)   — links Store, GpuJobs, AdminKey; submits jobs to Batch
 *   Infer (Lambda + function URL, functions/infer) — links Store; onnxruntime-node for linux/x64 only
 *   GPU jobs (AWS Batch on EC2 g4dn, 0 vCPUs at rest) running functions/worker/Dockerfile
 *   Console (StaticSite from web/, CloudFront)
 *
 * Functions read their configuration through @medslim/config (packages/config): the SST links
 * below on AWS, environment variables and defaults locally. Nothing here changes the local,
 * embedded default (`medslim serve` with a filesystem store and a local worker).
 */

const isProduction = (stage: string | undefined) => stage === 'production' || stage === 'prod';

/** Deploy-time tuning. Each knob may be overridden by the environment variable beside it when running `sst deploy`. */
interface DeploySettings {
  inference: {
    /** MB of memory; Lambda gives 1 vCPU per 1,769 MB. */
    memoryMb: number;
    /** onnxruntime intra-op threads; undefined = the vCPUs the memory buys. */
    intraOpNumThreads: number | undefined;
    /** Reserved concurrency (a ceiling on instances, and so on spend); undefined = the account's shared pool. */
    reservedConcurrency: number | undefined;
    /** Provisioned (pre-warmed) instances; 0 = none. */
    provisionedConcurrency: number;
    timeoutSeconds: number;
  };
  api: { memoryMb: number; timeoutSeconds: number };
  gpu: {
    /** EC2 instance types Batch may start. */
    instanceTypes: string[];
    /** Ceiling on the compute environment's vCPUs (instances × vCPUs each). Its floor is always 0. */
    maxVcpus: number;
    /** Spot instead of on-demand instances. */
    spot: boolean;
    /** vCPUs and memory (MiB) of one job; one GPU each. */
    jobVcpus: number;
    jobMemoryMiB: number;
    /** Hard limit of one attempt, seconds. */
    jobTimeoutSeconds: number;
    /** Tag of the worker image in the WorkerImages ECR repository. */
    workerImageTag: string;
  };
  store: {
    /** Days an overwritten or deleted object version is kept before S3 expires it. */
    noncurrentVersionDays: number;
    /** Days before an unfinished multipart upload's parts are discarded. */
    abortMultipartDays: number;
  };
}

function knob(name: string, fallback: number): number;
function knob(name: string, fallback: undefined): number | undefined;
function knob(name: string, fallback: number | undefined): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name} must be a whole number ≥ 0 (got '${raw}')`);
  return v;
}

const settings: DeploySettings = {
  inference: {
    // 3,008 MB buys 2 vCPUs, and is the largest size a new account may use before a quota increase.
    // The demo's int8 ResNet-18 needs ~5 ms per image on one thread (README); 2 vCPUs leave room for decoding.
    memoryMb: knob('MEDSLIM_DEPLOY_INFER_MEMORY_MB', 3008),
    // Default: the vCPUs of the memory (2 at 3,008 MB); more threads than vCPUs only contend.
    intraOpNumThreads: knob('MEDSLIM_DEPLOY_INFER_THREADS', undefined),
    // None: a reserved cap also takes instances away from every other function in the account.
    reservedConcurrency: knob('MEDSLIM_DEPLOY_INFER_RESERVED', undefined),
    // 0: provisioned instances are billed every hour, also at rest (~$0.0000041667 per GB-s on x86_64).
    provisionedConcurrency: knob('MEDSLIM_DEPLOY_INFER_PROVISIONED', 0),
    // Covers a cold start (loading ORT and the model from S3) plus a batch of 64 images.
    timeoutSeconds: 30,
  },
  api: {
    // Control-plane requests (keys, models, aliases, job submission, presigned URLs): 1 GB is plenty.
    memoryMb: knob('MEDSLIM_DEPLOY_API_MEMORY_MB', 1024),
    // Multipart uploads up to Lambda's 6 MB body are hashed while streamed to S3; larger files use /uploads/presign.
    timeoutSeconds: 60,
  },
  gpu: {
    // g4dn.xlarge: 1 NVIDIA T4 (16 GB), 4 vCPUs, 16 GiB — the cheapest GPU instance Batch can use with CUDA 11.2.
    instanceTypes: (process.env.MEDSLIM_DEPLOY_GPU_INSTANCE_TYPES ?? 'g4dn.xlarge').split(',').map((s) => s.trim()).filter(Boolean),
    // 16 vCPUs = 4 g4dn.xlarge jobs at once; also the account's G-instance vCPU quota must allow it.
    maxVcpus: knob('MEDSLIM_DEPLOY_GPU_MAX_VCPUS', 16),
    // On-demand: Spot may stop a job half-way, and jobs are not retried automatically (retryStrategy 1).
    spot: process.env.MEDSLIM_DEPLOY_GPU_SPOT === 'true',
    // A whole g4dn.xlarge per job: 4 vCPUs and 14 GiB (the ECS agent and OS keep the rest of the 16 GiB).
    jobVcpus: 4,
    jobMemoryMiB: 14_336,
    // 4 h, the default of the worker's AwsBatchRunner (which sets it per job).
    jobTimeoutSeconds: 4 * 3600,
    workerImageTag: process.env.MEDSLIM_WORKER_IMAGE_TAG ?? 'latest',
  },
  store: {
    // 90 days to undo an overwrite or delete; after that old versions stop costing storage.
    noncurrentVersionDays: knob('MEDSLIM_DEPLOY_NONCURRENT_DAYS', 90),
    abortMultipartDays: 7,
  },
};

export default $config({
  app(input) {
    return {
      name: 'medslim',
      home: 'aws',
      // Production keeps the bucket (models, datasets, audit trail) on `sst remove` and refuses to remove the stage.
      removal: isProduction(input?.stage) ? 'retain' : 'remove',
      protect: isProduction(input?.stage),
    };
  },

  async run() {
    const { LINK, LAMBDA_PRICE_PER_GB_SECOND, LAMBDA_PRICE_PER_REQUEST, vcpusForMemory } = await import('./packages/config/src/index.ts');
    const { INFER_NODEJS, prepareInferenceBundle } = await import('./infra/lambda-bundle.ts');
    const prefix = `${$app.name}-${$app.stage}`;

    // ── Storage: one private bucket for uploads, artifacts and the registry ────────────────────
    const store = new sst.aws.Bucket(LINK.store, {
      versioning: true,
      transform: {
        publicAccessBlock: { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      },
    });
    // SSE-S3 explicitly (no KMS key to pay for or grant). The V2 names exist in Pulumi AWS v6 (SST v3) and v7 (SST v4).
    new aws.s3.BucketServerSideEncryptionConfigurationV2(`${LINK.store}Encryption`, {
      bucket: store.name,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    });
    new aws.s3.BucketLifecycleConfigurationV2(`${LINK.store}Lifecycle`, {
      bucket: store.name,
      rules: [
        { id: 'expire-noncurrent-versions', status: 'Enabled', filter: {}, noncurrentVersionExpiration: { noncurrentDays: settings.store.noncurrentVersionDays } },
        { id: 'abort-incomplete-multipart-uploads', status: 'Enabled', filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: settings.store.abortMultipartDays } },
      ],
    });
    // Today's function code reads MEDSLIM_STORE; @medslim/config reads the same bucket from the Store link.
    const storeUrl = $interpolate`s3://${store.name}`;

    // `npx sst secret set AdminKey <key of ≥ 20 characters> --stage <stage>` before the first deploy.
    const adminKey = new sst.Secret(LINK.adminKey);

    // ── GPU compression jobs: AWS Batch on EC2 (SST's Task is Fargate, which has no GPUs) ──────
    // Default VPC, public subnets: instances reach ECR and S3 directly, so no NAT gateway (~$32/month at rest).
    const vpc = aws.ec2.getVpcOutput({ default: true });
    const subnets = aws.ec2.getSubnetsOutput({
      filters: [
        { name: 'vpc-id', values: [vpc.id] },
        { name: 'default-for-az', values: ['true'] },
      ],
    });
    const gpuSecurityGroup = new aws.ec2.SecurityGroup('GpuJobsSecurityGroup', {
      vpcId: vpc.id,
      description: 'medslim GPU jobs: no inbound, outbound to ECR and S3',
      egress: [{ protocol: '-1', fromPort: 0, toPort: 0, cidrBlocks: ['0.0.0.0/0'] }],
    });
    const instanceRole = new aws.iam.Role('GpuInstanceRole', {
      assumeRolePolicy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
    });
    new aws.iam.RolePolicyAttachment('GpuInstanceRoleEcs', {
      role: instanceRole.name,
      policyArn: 'arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role',
    });
    const instanceProfile = new aws.iam.InstanceProfile('GpuInstanceProfile', { role: instanceRole.name });
    // What the job's container may do: read and write the store, nothing else.
    const jobRole = new aws.iam.Role('GpuJobRole', {
      assumeRolePolicy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
    });
    new aws.iam.RolePolicy('GpuJobRoleStore', {
      role: jobRole.id,
      policy: $jsonStringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'], Resource: $interpolate`${store.arn}/*` },
          { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: store.arn },
        ],
      }),
    });
    // Build and push with functions/worker/Dockerfile (docs/deploy-aws.md); 5 images are kept.
    const workerImages = new aws.ecr.Repository('WorkerImages', {
      imageScanningConfiguration: { scanOnPush: true },
      forceDelete: !isProduction($app.stage),
    });
    new aws.ecr.LifecyclePolicy('WorkerImagesLifecycle', {
      repository: workerImages.name,
      policy: JSON.stringify({
        rules: [{ rulePriority: 1, description: 'keep the 5 newest images', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 5 }, action: { type: 'expire' } }],
      }),
    });
    const workerImage = $interpolate`${workerImages.repositoryUrl}:${settings.gpu.workerImageTag}`;

    const gpuCompute = new aws.batch.ComputeEnvironment('GpuCompute', {
      type: 'MANAGED',
      // No serviceRole: Batch uses its service-linked role AWSServiceRoleForBatch.
      computeResources: {
        type: settings.gpu.spot ? 'SPOT' : 'EC2',
        allocationStrategy: settings.gpu.spot ? 'SPOT_CAPACITY_OPTIMIZED' : 'BEST_FIT_PROGRESSIVE',
        // 0 vCPUs at rest: no instance runs (and nothing is billed) while no job is queued.
        minVcpus: 0,
        maxVcpus: settings.gpu.maxVcpus,
        instanceTypes: settings.gpu.instanceTypes,
        // The ECS GPU AMI: NVIDIA driver and container toolkit preinstalled.
        ec2Configurations: [{ imageType: 'ECS_AL2_NVIDIA' }],
        instanceRole: instanceProfile.arn,
        subnets: subnets.ids,
        securityGroupIds: [gpuSecurityGroup.id],
        tags: { 'medslim:stage': $app.stage },
      },
    });
    const gpuQueue = new aws.batch.JobQueue('GpuQueue', {
      name: `${prefix}-gpu`,
      state: 'ENABLED',
      priority: 1,
      computeEnvironmentOrders: [{ order: 1, computeEnvironment: gpuCompute.arn }],
    });
    const compressJob = new aws.batch.JobDefinition('CompressJob', {
      name: `${prefix}-compress`,
      type: 'container',
      platformCapabilities: ['EC2'],
      // The worker records a job's outcome itself; a Batch retry would rerun a recorded attempt.
      retryStrategy: { attempts: 1 },
      timeout: { attemptDurationSeconds: settings.gpu.jobTimeoutSeconds },
      propagateTags: true,
      containerProperties: $jsonStringify({
        image: workerImage,
        // AwsBatchRunner overrides this with `medslim worker --job <id>`; alone it drains the queue once.
        command: ['medslim', 'worker', '--once'],
        jobRoleArn: jobRole.arn,
        resourceRequirements: [
          { type: 'GPU', value: '1' },
          { type: 'VCPU', value: String(settings.gpu.jobVcpus) },
          { type: 'MEMORY', value: String(settings.gpu.jobMemoryMiB) },
        ],
        environment: [{ name: 'MEDSLIM_STORE', value: storeUrl }],
      }),
    });
    // What the API needs to submit jobs: the queue and definition (Resource.GpuJobs) and the permission.
    const gpuJobs = new sst.Linkable(LINK.gpuJobs, {
      properties: { jobQueue: gpuQueue.arn, jobDefinition: compressJob.arn },
      include: [
        sst.aws.permission({ actions: ['batch:SubmitJob'], resources: [gpuQueue.arn, compressJob.arn] }),
        // AwsBatchRunner tags each job (tenant, job id, type).
        sst.aws.permission({ actions: ['batch:TagResource'], resources: ['arn:aws:batch:*:*:job/*'] }),
      ],
    });

    // ── Functions ───────────────────────────────────────────────────────────────────────────────
    const api = new sst.aws.Function('Api', {
      handler: 'functions/api/src/lambda.handler',
      runtime: 'nodejs20.x',
      // Pure JavaScript (no native packages); x86_64 like Infer, so every bundle targets one platform.
      architecture: 'x86_64',
      memory: `${settings.api.memoryMb} MB`,
      timeout: `${settings.api.timeoutSeconds} seconds`,
      url: true,
      link: [store, gpuJobs, adminKey],
      environment: { MEDSLIM_STORE: storeUrl },
    });

    const inferMemoryMb = settings.inference.memoryMb;
    const inferThreads = settings.inference.intraOpNumThreads ?? vcpusForMemory(inferMemoryMb);
    const { reservedConcurrency: reserved, provisionedConcurrency: provisioned } = settings.inference;
    const infer = new sst.aws.Function('Infer', {
      handler: 'functions/infer/src/lambda.handler',
      runtime: 'nodejs20.x',
      // onnxruntime-node's prebuilt linux/x64 binary; the bundle keeps no other platform's.
      architecture: 'x86_64',
      memory: `${inferMemoryMb} MB`,
      timeout: `${settings.inference.timeoutSeconds} seconds`,
      url: true,
      link: [store],
      environment: {
        MEDSLIM_STORE: storeUrl,
        MEDSLIM_INFER_ARCHITECTURE: 'x86_64',
        MEDSLIM_INFER_INTRA_OP_THREADS: String(inferThreads),
        MEDSLIM_INFER_PRICE_PER_GB_SECOND: String(LAMBDA_PRICE_PER_GB_SECOND.x86_64),
        MEDSLIM_INFER_PRICE_PER_REQUEST: String(LAMBDA_PRICE_PER_REQUEST),
      },
      // onnxruntime-node and sharp stay out of the esbuild bundle; the postbuild copies them at the
      // lockfile's versions and deletes every binary but linux/x64 (scripts/lambda-bundle-size checks
      // the result against Lambda's 250 MB).
      nodejs: INFER_NODEJS,
      hook: {
        async postbuild(dir: string) {
          prepareInferenceBundle(dir, { root: $cli.paths.root });
        },
      },
      concurrency: {
        ...(reserved !== undefined ? { reserved } : {}),
        ...(provisioned > 0 ? { provisioned } : {}),
      },
      // Provisioned concurrency needs a published version.
      versioning: provisioned > 0,
    });

    // ── The console ─────────────────────────────────────────────────────────────────────────────
    const site = new sst.aws.StaticSite('Console', {
      path: 'web',
      build: { command: 'npm run build', output: 'dist' },
      environment: { VITE_MEDSLIM_API_URL: api.url, VITE_MEDSLIM_INFER_URL: infer.url },
    });

    return {
      api: api.url,
      infer: infer.url,
      console: site.url,
      bucket: store.name,
      jobQueue: gpuQueue.arn,
      jobDefinition: compressJob.arn,
      workerImageRepository: workerImages.repositoryUrl,
    };
  },
});
